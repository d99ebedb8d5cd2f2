/**
 * READONLY → re-resolve through Sentinel, for real. A Sentinel failover CLIENT KILLs normal
 * clients, so the client just reconnects and never sees READONLY; here the master is demoted
 * behind the client's back instead (REPLICAOF on the data nodes, no CLIENT KILL) while the client
 * stays connected to it, and the Sentinels are told the new master (SENTINEL REMOVE + MONITOR,
 * which sends nothing to the data nodes). The client's next write then gets READONLY from the
 * demoted master on its still-open connection, must reconnect through the Sentinels, and land on
 * the new master: retried transparently by the default policy (READONLY means it did not run, so
 * even a non-idempotent call is repeated), or surfaced as a transient error with `retry: false`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandError, createNodeClient, isTransient, type RedgeClient } from "../../src/node.js";
import { ask } from "../helpers/topology/ask.js";
import { waitFor } from "../helpers/topology/processes.js";
import { type SentinelTopology, startSentinelTopology } from "../helpers/topology/sentinel.js";

let topology: SentinelTopology;
const clients: RedgeClient[] = [];

beforeAll(async () => {
  topology = await startSentinelTopology({ replicas: 1, sentinels: 1 });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await topology?.stop();
});

/**
 * Makes `to` the master and `from` its replica without Sentinel (so no client is killed), then
 * points the Sentinels at `to`. Returns once `from` answers writes with READONLY.
 */
async function demoteBehindSentinel(from: number, to: number): Promise<void> {
  const name = topology.masterName;
  for (const sentinel of topology.sentinels) await ask(sentinel.port, "SENTINEL", "REMOVE", name);
  await ask(to, "REPLICAOF", "NO", "ONE");
  await ask(from, "REPLICAOF", "127.0.0.1", to);
  for (const sentinel of topology.sentinels) {
    await ask(sentinel.port, "SENTINEL", "MONITOR", name, "127.0.0.1", to, 1);
    await ask(sentinel.port, "SENTINEL", "SET", name, "down-after-milliseconds", 1_000);
  }
  expect(await topology.master()).toEqual({ host: "127.0.0.1", port: to });
  await waitFor("the demoted master to refuse writes", async () => {
    const error = await ask(from, "SET", "probe", "1").catch((e: Error) => e);
    return error instanceof Error && /^READONLY/.test(error.message) ? true : undefined;
  });
}

/** Ports of the client connections a server has, by their `CLIENT LIST` name-less entries. */
async function normalClients(port: number): Promise<number> {
  const list = String(await ask(port, "CLIENT", "LIST", "TYPE", "normal"));
  // `ask` itself is one of them.
  return list.trim().split("\n").length - 1;
}

const run = Math.random().toString(36).slice(2, 8);
const key = (name: string) => `ro:${run}:${name}`;

describe("READONLY from a demoted master (connection kept open)", () => {
  it("retries transparently on the master re-resolved through Sentinel", async () => {
    const retried: unknown[] = [];
    const redis = createNodeClient({
      sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
      commandTimeoutMs: 1_000,
      // No health check: its ROLE probe would notice the demotion first; READONLY is the subject.
      healthCheckIntervalMs: 0,
      onRetry: (error) => retried.push(error),
    });
    clients.push(redis);
    const before = (await topology.master()).port;
    const other = [...topology.dataNodes.keys()].find((p) => p !== before)!;
    // Durable, so the replica about to be promoted has it (replication is asynchronous).
    expect(
      await redis.command(["SET", key("n"), "1"], { durable: { replicas: 1, timeoutMs: 5_000 } }),
    ).toBe("OK");
    expect(await normalClients(before)).toBeGreaterThanOrEqual(1);

    await demoteBehindSentinel(before, other);
    // The client's connection to the demoted master survived (REPLICAOF kills no client).
    expect(await normalClients(before)).toBeGreaterThanOrEqual(1);

    // Not idempotent, still retried: READONLY is sent instead of running the command.
    expect(await redis.command(["INCR", key("n")], { idempotent: false })).toBe(2);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried[0]).toBeInstanceOf(CommandError);
    expect((retried[0] as Error).message).toMatch(/^READONLY/);
    expect(await ask(other, "GET", key("n"))).toBe("2");
    expect(await redis.health()).toMatchObject({
      ok: true,
      role: "master",
      address: { port: other },
    });
    // Later writes go to the new master at once.
    retried.length = 0;
    for (let i = 0; i < 10; i++) await redis.command(["INCR", key("n")]);
    expect(retried).toEqual([]);
    expect(await ask(other, "GET", key("n"))).toBe("12");
  }, 30_000);

  it("durable script writes too; with retry: false READONLY surfaces as a transient error", async () => {
    const strict = createNodeClient({
      sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
      commandTimeoutMs: 1_000,
      healthCheckIntervalMs: 0,
    });
    const retried: unknown[] = [];
    const durable = createNodeClient({
      sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
      commandTimeoutMs: 1_000,
      healthCheckIntervalMs: 0,
      durableWrites: { replicas: 1, timeoutMs: 1_000 },
      onRetry: (error) => retried.push(error),
    });
    clients.push(strict, durable);
    const before = (await topology.master()).port;
    const other = [...topology.dataNodes.keys()].find((p) => p !== before)!;
    expect(await strict.command(["SET", key("s"), "a"])).toBe("OK");
    const stream = durable.priority(key("ps"));
    await stream.add("one", { n: 1 }, 1);

    await demoteBehindSentinel(before, other);

    // retry: false: the caller sees READONLY, typed as transient (safe to repeat), ...
    const error = await strict
      .command(["SET", key("s"), "b"], { retry: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as Error).message).toMatch(/^READONLY/);
    expect(isTransient(error)).toBe(true);
    // ... and its next call goes to the new master, found through the Sentinels.
    await waitFor(
      "a write on the new master",
      () => strict.command(["SET", key("s"), "c"], { retry: false }),
      5_000,
    );
    expect(await ask(other, "GET", key("s"))).toBe("c");

    // A durable Lua write (EVALSHA + WAIT in one pipeline) is retried on the new master.
    await stream.add("two", { n: 2 }, 2);
    expect(retried.some((e) => /^READONLY/.test((e as Error).message))).toBe(true);
    expect((await stream.get("two"))?.id).toBe("two");
    expect(await durable.health()).toMatchObject({ role: "master", address: { port: other } });
  }, 30_000);
});
