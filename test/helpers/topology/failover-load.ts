/**
 * One measured failover: a Sentinel topology under a continuous write load (priority `add` and
 * cache `set` through the redge client, durable writes on), the master SIGKILLed mid-load. Used
 * by test/ha/failover.test.ts (one run in CI) and bench/ha/run.ts (median of several).
 *
 * Measured: the time from the kill to the first successful write started after it (which can
 * only have run on the new master: the old one is dead), the calls that failed after the client's
 * own retries, and the acknowledged writes missing from the new master afterwards.
 */
import type { RedgeClient } from "../../../src/index.js";
import { createNodeClient } from "../../../src/node.js";
import { sleep } from "./processes.js";
import { type SentinelTopology, startSentinelTopology } from "./sentinel.js";

export interface FailoverResult {
  /** Kill → first successful write started after the kill, in ms. */
  failoverMs: number;
  /** Kill → Sentinels report the new master, in ms. */
  sentinelSwitchMs: number;
  /** Writes acknowledged to the caller, before and after the kill. */
  acknowledged: number;
  /** Calls that rejected (after the client's retries), by error name. */
  failed: Record<string, number>;
  failedTotal: number;
  /** Acknowledged writes missing from the new master afterwards. */
  lost: number;
  durable: boolean;
  oldMaster: number;
  newMaster: number;
}

export interface FailoverLoadOptions {
  /** WAIT 1 after each write (default true). */
  durable?: boolean;
  /** Concurrent writers (default 4). */
  writers?: number;
  /** Load before the kill, in ms (default 1000). */
  warmupMs?: number;
  /** Load after the first post-kill success, in ms (default 1000). */
  cooldownMs?: number;
  /** Give up when no write succeeds this long after the kill (default 20000). */
  deadlineMs?: number;
}

export async function runFailover(options: FailoverLoadOptions = {}): Promise<FailoverResult> {
  const topology = await startSentinelTopology();
  try {
    return await measure(topology, options);
  } finally {
    await topology.stop();
  }
}

type Write = { kind: "priority" | "cache"; id: string };

export async function measure(
  topology: SentinelTopology,
  options: FailoverLoadOptions = {},
): Promise<FailoverResult> {
  const durable = options.durable ?? true;
  const client = createNodeClient({
    sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
    commandTimeoutMs: 1_000,
    connectTimeoutMs: 1_000,
    retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 500, jitter: true },
    healthCheckIntervalMs: 0,
    ...(durable ? { durableWrites: { replicas: 1, timeoutMs: 500 } } : {}),
  });
  const run = Math.random().toString(36).slice(2, 8);
  const stream = client.priority(`ha-${run}`);
  const namespace = `ha-${run}`;
  const acked: Write[] = [];
  const failed: Record<string, number> = {};
  let killedAt = 0;
  let firstSuccessAt = 0;
  let stopAt = Number.POSITIVE_INFINITY;
  let seq = 0;

  const write = async (kind: Write["kind"]) => {
    const id = `w${seq++}`;
    const startedAt = performance.now();
    try {
      if (kind === "priority") await stream.add(id, { n: seq }, seq % 10);
      else await client.cache.set(id, { n: seq }, { ttlMs: 600_000, namespace });
      acked.push({ kind, id });
      if (killedAt && startedAt >= killedAt && !firstSuccessAt) {
        firstSuccessAt = performance.now();
        stopAt = firstSuccessAt + (options.cooldownMs ?? 1_000);
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : "unknown";
      failed[name] = (failed[name] ?? 0) + 1;
      // A failed call is retried by the caller's loop, as an application would, after a pause.
      await sleep(20);
    }
  };

  const writers = Array.from({ length: options.writers ?? 4 }, async (_, w) => {
    while (performance.now() < stopAt) await write(w % 2 === 0 ? "priority" : "cache");
  });

  // Whatever throws below, the writers stop and the client closes (finally), and a rejected
  // `switched` is never left unhandled.
  try {
    await sleep(options.warmupMs ?? 1_000);
    const old = await topology.masterNode();
    killedAt = performance.now();
    old.signal("SIGKILL");
    const deadline = killedAt + (options.deadlineMs ?? 20_000);
    const switched = topology.waitForNewMaster(old.port).then((m) => ({
      master: m,
      at: performance.now(),
    }));
    switched.catch(() => {});
    while (!firstSuccessAt && performance.now() < deadline) await sleep(20);
    if (!firstSuccessAt) stopAt = 0;
    await Promise.all(writers);
    const { master, at } = await switched;
    if (!firstSuccessAt) {
      throw new Error(`no write succeeded within ${options.deadlineMs ?? 20_000} ms of the kill`);
    }

    const lost = await countLost(client, acked, stream, namespace);
    return {
      failoverMs: Math.round(firstSuccessAt - killedAt),
      sentinelSwitchMs: Math.round(at - killedAt),
      acknowledged: acked.length,
      failed,
      failedTotal: Object.values(failed).reduce((a, b) => a + b, 0),
      lost,
      durable,
      oldMaster: old.port,
      newMaster: master.port,
    };
  } finally {
    stopAt = 0;
    await Promise.allSettled(writers);
    await client.close().catch(() => {});
  }
}

/** Reads every acknowledged write back from the (new) master. */
async function countLost(
  client: RedgeClient,
  acked: readonly Write[],
  stream: ReturnType<RedgeClient["priority"]>,
  namespace: string,
): Promise<number> {
  let lost = 0;
  for (let i = 0; i < acked.length; i += 200) {
    const batch = acked.slice(i, i + 200);
    const found = await Promise.all(
      batch.map((w) =>
        w.kind === "priority"
          ? stream.get(w.id).then((item) => item !== null)
          : client.cache.get(w.id, { namespace }).then((value) => value !== undefined),
      ),
    );
    lost += found.filter((ok) => !ok).length;
  }
  return lost;
}
