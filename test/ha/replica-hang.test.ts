/**
 * `replicaReads` with a hung replica (SIGSTOP: its socket stays open, nothing errors): reads must
 * not hang or time out. The replica gets at most half the command timeout, then the read runs on
 * the master; the replica's own health check drops it, so later reads go to the master at once,
 * and back to the replica after it answers again (SIGCONT).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeClient, type RedgeClient } from "../../src/node.js";
import { type ManagedRedis, waitFor } from "../helpers/topology/processes.js";
import { type SentinelTopology, startSentinelTopology } from "../helpers/topology/sentinel.js";

const COMMAND_TIMEOUT_MS = 1_000;
let topology: SentinelTopology;
let client: RedgeClient | undefined;
let stopped: ManagedRedis | undefined;

beforeAll(async () => {
  // One replica: it is the one the client reads from.
  topology = await startSentinelTopology({ replicas: 1, sentinels: 1 });
}, 60_000);
afterAll(async () => {
  stopped?.signal("SIGCONT");
  await client?.close().catch(() => {});
  await topology?.stop();
});

/** The port of the server that answered (CLIENT INFO's laddr), through the client. */
async function answeredBy(redis: RedgeClient): Promise<number> {
  const info = String(await redis.command(["CLIENT", "INFO"], { retry: false }));
  return Number(/laddr=[^ ]*:(\d+)/.exec(info)?.[1]);
}

async function timedGet(redis: RedgeClient, key: string): Promise<{ value: unknown; ms: number }> {
  const started = performance.now();
  const value = await redis.command(["GET", key], { retry: false });
  return { value, ms: performance.now() - started };
}

describe("replicaReads with a hung replica", () => {
  it("falls back to the master within the command timeout, and returns to the replica", async () => {
    const redis = createNodeClient({
      sentinel: {
        sentinels: topology.sentinels,
        masterName: topology.masterName,
        replicaReads: true,
      },
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      connectTimeoutMs: 1_000,
      healthCheckIntervalMs: 250,
    });
    client = redis;
    const master = (await topology.master()).port;
    const replicaPort = [...topology.dataNodes.keys()].find((p) => p !== master)!;
    const replica = topology.dataNodes.get(replicaPort)!;
    const key = `replica-hang:${Math.random().toString(36).slice(2, 8)}`;
    await redis.command(["SET", key, "v"], { durable: { replicas: 1, timeoutMs: 2_000 } });
    await waitFor("a read answered by the replica", async () =>
      (await answeredBy(redis)) === replicaPort ? true : undefined,
    );

    replica.signal("SIGSTOP");
    stopped = replica;
    // The first read goes to the hung replica: it must still be answered, by the master, within
    // one attempt (no retries here).
    const first = await timedGet(redis, key);
    expect(first.value).toBe("v");
    expect(first.ms).toBeLessThan(COMMAND_TIMEOUT_MS);
    // The replica was dropped: the next reads go straight to the master.
    const later: number[] = [];
    for (let i = 0; i < 5; i++) {
      const read = await timedGet(redis, key);
      expect(read.value).toBe("v");
      later.push(read.ms);
    }
    // A read that tried the hung replica first would take its whole budget (half the command
    // timeout) before falling back: these did not.
    expect(Math.max(...later)).toBeLessThan(COMMAND_TIMEOUT_MS / 2);
    expect(await answeredBy(redis)).toBe(master);
    // Still hung a while later (the reconnection to it hangs too): reads stay on the master.
    await new Promise((r) => setTimeout(r, 1_500));
    const stillFast = await timedGet(redis, key);
    expect(stillFast.value).toBe("v");
    expect(stillFast.ms).toBeLessThan(COMMAND_TIMEOUT_MS);
    console.log(
      `hung replica: first read served by the master after ${Math.round(first.ms)} ms, later reads ≤ ${Math.round(Math.max(...later, stillFast.ms))} ms`,
    );

    replica.signal("SIGCONT");
    stopped = undefined;
    await waitFor(
      "reads back on the replica",
      async () => ((await answeredBy(redis)) === replicaPort ? true : undefined),
      15_000,
      100,
    );
    expect(await redis.command(["GET", key])).toBe("v");
  }, 45_000);
});
