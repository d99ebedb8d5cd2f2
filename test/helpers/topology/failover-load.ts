/**
 * One measured failover: a Sentinel topology under a continuous write load, then one of three
 * events mid-load:
 * - `kill`: the master is SIGKILLed; the Sentinels (down-after 1000 ms) promote a replica;
 * - `failover`: `SENTINEL FAILOVER` with the old master alive (a planned switch): the Sentinels
 *   promote a replica, announce `+switch-master`, and seconds later turn the old master into a
 *   replica, which discards whatever was written to it after the switch;
 * - `promote`: a replica is promoted by hand (`REPLICAOF NO ONE`) while the master is alive; the
 *   Sentinels keep their master and turn the rogue one back into a replica (`+convert-to-slave`),
 *   discarding whatever was written to it.
 * Used by test/ha/failover*.test.ts (one run each) and bench/ha/run.ts (several).
 *
 * Writers go through the redge client (`createNodeClient({ sentinel })`) or through the gateway
 * with @upstash/redis. Workloads: `capabilities` (priority `add` and cache `set`) or `rpush` (each
 * writer RPUSHes unique values to one list, as in issue 12's report), read back afterwards from
 * the master the Sentinels name, straight from the server.
 *
 * Measured: the acknowledged writes missing from the master afterwards (lost), the calls that
 * failed after the client's own retries, and for `kill` the time from the kill to the first
 * successful write started after it (which can only have run on the new master).
 */
import { randomUUID } from "node:crypto";
import { Redis as UpstashRedis } from "@upstash/redis";
import type { RedgeClient } from "../../../src/index.js";
import { createNodeClient } from "../../../src/node.js";
import { type RunningGateway, startGateway } from "../gateway.js";
import { ask } from "./ask.js";
import { type ManagedRedis, sleep, waitFor } from "./processes.js";
import { type SentinelEvents, type SentinelTopology, startSentinelTopology } from "./sentinel.js";

export type FailoverTrigger = "kill" | "failover" | "promote";

export interface FailoverResult {
  trigger: FailoverTrigger;
  via: "client" | "gateway";
  workload: "capabilities" | "rpush";
  /** `kill`: kill → first successful write started after the kill, in ms. */
  failoverMs: number;
  /** Trigger → Sentinels report the new master (`kill`, `failover`), in ms. */
  sentinelSwitchMs: number;
  /** Trigger → the old master (`failover`) or the rogue replica (`promote`) is a replica again. */
  convertedMs: number;
  /** Writes acknowledged to the caller, before and after the trigger. */
  acknowledged: number;
  /** Calls that rejected (after the client's retries), by error name. */
  failed: Record<string, number>;
  failedTotal: number;
  /** Acknowledged writes missing from the master afterwards. */
  lost: number;
  durable: boolean;
  oldMaster: number;
  newMaster: number;
}

export interface FailoverLoadOptions {
  /** What happens mid-load (default `kill`). */
  trigger?: FailoverTrigger;
  /** Who writes: the redge client (default) or @upstash/redis through the gateway. */
  via?: "client" | "gateway";
  /** Default `capabilities` for the client, `rpush` through the gateway. */
  workload?: "capabilities" | "rpush";
  /** WAIT 1 after each write (default true; client only). */
  durable?: boolean;
  /** Concurrent writers (default 4). */
  writers?: number;
  /** Load before the trigger, in ms (default 1000). */
  warmupMs?: number;
  /** Load after the switch is complete, in ms (default 1000). */
  cooldownMs?: number;
  /** Give up when the switch is not complete this long after the trigger (default 40000). */
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

/** How the load reaches Redis: one write, and what the master holds afterwards. */
interface Writer {
  write(id: string, seq: number): Promise<void>;
  /** How many of `acked` the master the Sentinels name is missing. */
  countLost(acked: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export async function measure(
  topology: SentinelTopology,
  options: FailoverLoadOptions = {},
): Promise<FailoverResult> {
  const trigger = options.trigger ?? "kill";
  const via = options.via ?? "client";
  const workload = options.workload ?? (via === "gateway" ? "rpush" : "capabilities");
  const durable = via === "client" && (options.durable ?? true);
  const deadlineMs = options.deadlineMs ?? 40_000;
  const writer =
    via === "gateway"
      ? await gatewayWriter(topology)
      : clientWriter(topology, { durable, workload });
  const acked: string[] = [];
  const failed: Record<string, number> = {};
  let triggeredAt = 0;
  let firstSuccessAt = 0;
  let stopped = false;
  let seq = 0;

  const write = async () => {
    const n = seq++;
    const id = `w${n}`;
    const startedAt = performance.now();
    try {
      await writer.write(id, n);
      acked.push(id);
      if (triggeredAt && startedAt >= triggeredAt && !firstSuccessAt) {
        firstSuccessAt = performance.now();
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : "unknown";
      failed[name] = (failed[name] ?? 0) + 1;
      // A failed call is retried by the caller's loop, as an application would, after a pause.
      await sleep(20);
    }
  };
  const writers = Array.from({ length: options.writers ?? 4 }, async () => {
    while (!stopped) await write();
  });

  let events: SentinelEvents | undefined;
  // Whatever throws below, the writers stop and the writer closes (finally).
  try {
    events = await topology.events(["+switch-master", "+convert-to-slave"]);
    // The writer's failover follower must be listening before the trigger, or it could only
    // learn of the switch later (on a busy machine its subscriptions may take a moment).
    await topology.waitForFollowers();
    await sleep(options.warmupMs ?? 1_000);
    const old = await topology.masterNode();
    let sentinelSwitchMs = 0;
    let convertedMs = 0;
    let newMaster = old.port;
    const since = () => Math.round(performance.now() - triggeredAt);

    if (trigger === "kill") {
      triggeredAt = performance.now();
      old.signal("SIGKILL");
      const master = await topology.waitForNewMaster(old.port, deadlineMs);
      sentinelSwitchMs = since();
      newMaster = master.port;
      await waitFor(
        "a write to succeed after the kill",
        async () => (firstSuccessAt ? true : undefined),
        deadlineMs,
      );
    } else if (trigger === "failover") {
      triggeredAt = performance.now();
      await ask(topology.sentinels[0]!.port, "SENTINEL", "FAILOVER", topology.masterName);
      const switched = await events.next(
        "+switch-master",
        (m) => m.startsWith(`${topology.masterName} `),
        deadlineMs,
      );
      sentinelSwitchMs = since();
      newMaster = Number(switched.split(" ")[4]);
      // The old master keeps taking writes until the Sentinels turn it into a replica.
      await events.next("+convert-to-slave", (m) => m.includes(` ${old.port} @`), deadlineMs);
      await replicaInSync(old, newMaster, deadlineMs);
      convertedMs = since();
    } else {
      const rogue = [...topology.dataNodes.values()].find((n) => n.port !== old.port && n.running);
      if (!rogue) throw new Error("no replica to promote");
      triggeredAt = performance.now();
      await ask(rogue.port, "REPLICAOF", "NO", "ONE");
      await events.next("+convert-to-slave", (m) => m.includes(` ${rogue.port} @`), deadlineMs);
      await replicaInSync(rogue, old.port, deadlineMs);
      convertedMs = since();
    }
    await sleep(options.cooldownMs ?? 1_000);
    stopped = true;
    await Promise.all(writers);

    const lost = await writer.countLost(acked);
    return {
      trigger,
      via,
      workload,
      failoverMs: trigger === "kill" ? Math.round(firstSuccessAt - triggeredAt) : 0,
      sentinelSwitchMs,
      convertedMs,
      acknowledged: acked.length,
      failed,
      failedTotal: Object.values(failed).reduce((a, b) => a + b, 0),
      lost,
      durable,
      oldMaster: old.port,
      newMaster,
    };
  } finally {
    stopped = true;
    events?.close();
    await Promise.allSettled(writers);
    await writer.close().catch(() => {});
  }
}

/** Waits until `node` replicates from the server on `masterPort` with its link up. */
async function replicaInSync(node: ManagedRedis, masterPort: number, timeoutMs: number) {
  await waitFor(
    `port ${node.port} to replicate from ${masterPort}`,
    async () => {
      const role = (await ask(node.port, "ROLE")) as unknown[];
      return role[0] === "slave" && Number(role[2]) === masterPort && role[3] === "connected"
        ? true
        : undefined;
    },
    timeoutMs,
  );
}

function clientWriter(
  topology: SentinelTopology,
  options: { durable: boolean; workload: "capabilities" | "rpush" },
): Writer {
  const client = createNodeClient({
    sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
    commandTimeoutMs: 1_000,
    connectTimeoutMs: 1_000,
    retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 500, jitter: true },
    healthCheckIntervalMs: 0,
    ...(options.durable ? { durableWrites: { replicas: 1, timeoutMs: 500 } } : {}),
  });
  const run = randomUUID().slice(0, 8);
  if (options.workload === "rpush") {
    const list = `ha-list-${run}`;
    return {
      write: async (id) => {
        await client.command(["RPUSH", list, id]);
      },
      countLost: (acked) => lostFromList(topology, list, acked),
      close: () => client.close(),
    };
  }
  const stream = client.priority(`ha-${run}`);
  const namespace = `ha-${run}`;
  return {
    write: async (id, n) => {
      if (n % 2 === 0) await stream.add(id, { n }, n % 10);
      else await client.cache.set(id, { n }, { ttlMs: 600_000, namespace });
    },
    countLost: (acked) => lostFromCapabilities(client, acked, stream, namespace),
    close: () => client.close(),
  };
}

async function gatewayWriter(topology: SentinelTopology): Promise<Writer> {
  const gateway: RunningGateway = await startGateway({
    redisUrl: { sentinel: { sentinels: topology.sentinels, masterName: topology.masterName } },
    commandTimeoutMs: 1_000,
  });
  // No client-side retries: every failed request is seen and counted.
  const redis = new UpstashRedis({ url: gateway.url, token: gateway.token, retry: false });
  const list = `gw-ha-list-${randomUUID().slice(0, 8)}`;
  return {
    write: async (id) => {
      await redis.rpush(list, id);
    },
    countLost: (acked) => lostFromList(topology, list, acked),
    close: () => gateway.close(),
  };
}

/** Acknowledged values missing from the list on the master the Sentinels name now. */
async function lostFromList(
  topology: SentinelTopology,
  list: string,
  acked: readonly string[],
): Promise<number> {
  const { port } = await topology.master();
  const stored = new Set((await ask(port, "LRANGE", list, 0, -1)) as string[]);
  return acked.filter((id) => !stored.has(id)).length;
}

/** Reads every acknowledged write back through the client (which follows the new master). */
async function lostFromCapabilities(
  client: RedgeClient,
  acked: readonly string[],
  stream: ReturnType<RedgeClient["priority"]>,
  namespace: string,
): Promise<number> {
  let lost = 0;
  for (let i = 0; i < acked.length; i += 200) {
    const batch = acked.slice(i, i + 200);
    const found = await Promise.all(
      batch.map((id) =>
        Number(id.slice(1)) % 2 === 0
          ? stream.get(id).then((item) => item !== null)
          : client.cache.get(id, { namespace }).then((value) => value !== undefined),
      ),
    );
    lost += found.filter((ok) => !ok).length;
  }
  return lost;
}
