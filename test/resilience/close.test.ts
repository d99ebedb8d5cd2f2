/**
 * `close()` is bounded whatever Redis does: against a real redis-server stopped with SIGSTOP (its
 * socket stays open, QUIT is never answered), `close()` resolves within the client's
 * `commandTimeoutMs` or the `timeoutMs` it is given, calls waiting on the hung server reject
 * instead of hanging, and no socket is left to keep the process alive. Sentinel clients (with
 * their failover subscriptions and replica connection) too.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createNodeClient, type RedgeClient, ValidationError } from "../../src/node.js";
import { type ManagedRedis, spawnRedis, tempDir } from "../helpers/topology/processes.js";
import { startSentinelTopology } from "../helpers/topology/sentinel.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

/** A redis-server of its own, resumed (SIGCONT) and stopped after the test. */
async function server(): Promise<ManagedRedis> {
  const redis = await spawnRedis({ dir: tempDir("close") });
  cleanup.push(() => redis.stop()); // stop() sends SIGCONT first
  return redis;
}

function hang(redis: ManagedRedis): void {
  redis.signal("SIGSTOP");
  cleanup.push(async () => redis.signal("SIGCONT"));
}

/** Runs `close` and returns how long it took; rejects if it takes more than `limitMs`. */
async function timedClose(close: () => Promise<void>, limitMs: number): Promise<number> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    close(),
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`close() still pending after ${limitMs} ms`)),
        limitMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return performance.now() - started;
}

/** Sockets of this process still open to `port` (a half-closed one would keep the process alive). */
function socketsTo(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter(
    (h) =>
      (h as { remotePort?: number; destroyed?: boolean }).remotePort === port &&
      !(h as { destroyed?: boolean }).destroyed,
  ).length;
}

describe("close() with Redis hung (SIGSTOP)", () => {
  it("resolves within commandTimeoutMs and fails the call waiting on the hung server", async () => {
    const redis = await server();
    const client: RedgeClient = createNodeClient({
      url: redis.url,
      commandTimeoutMs: 1_000,
      healthCheckIntervalMs: 0,
    });
    cleanup.push(() => client.close({ timeoutMs: 0 }));
    expect(await client.command(["SET", "close:k", "v"])).toBe("OK");
    hang(redis);
    // A call that reached the hung server: its deadline is long, close() must end it sooner.
    const pending = client.command(["GET", "close:k"], { timeoutMs: 60_000, retry: false }).then(
      () => "answered",
      (e: unknown) => e,
    );

    const ms = await timedClose(() => client.close(), 1_000 + 2_000);
    console.log(`close() with Redis stopped: ${Math.round(ms)} ms (commandTimeoutMs 1000)`);
    expect(ms).toBeGreaterThanOrEqual(950); // it did wait for QUIT's answer, up to the timeout
    expect(await pending).toBeInstanceOf(Error);
    expect(socketsTo(redis.port)).toBe(0);
    await expect(client.command(["GET", "close:k"])).rejects.toThrow(/closed/);
  });

  it("close({ timeoutMs }) overrides the command timeout", async () => {
    const redis = await server();
    const client = createNodeClient({ url: redis.url, commandTimeoutMs: 30_000 });
    expect(await client.command(["PING"])).toBe("PONG");
    hang(redis);
    const ms = await timedClose(() => client.close({ timeoutMs: 200 }), 200 + 2_000);
    console.log(`close({ timeoutMs: 200 }) with Redis stopped: ${Math.round(ms)} ms`);
    expect(socketsTo(redis.port)).toBe(0);
  });

  it("resolves at once when Redis answers QUIT, and rejects a bad timeoutMs", async () => {
    const redis = await server();
    const client = createNodeClient({ url: redis.url, commandTimeoutMs: 30_000 });
    expect(await client.command(["PING"])).toBe("PONG");
    await expect(client.close({ timeoutMs: -1 })).rejects.toBeInstanceOf(ValidationError);
    // A healthy server answers QUIT long before the (30 s) timeout.
    await timedClose(() => client.close(), 5_000);
    await expect(client.command(["PING"])).rejects.toThrow(/closed/);
  });

  it("a Sentinel client (replica reads, blocking connection) closes within the bound", async () => {
    const topology = await startSentinelTopology({ replicas: 1, downAfterMs: 60_000 });
    cleanup.push(() => topology.stop());
    const client = createNodeClient({
      sentinel: {
        sentinels: topology.sentinels,
        masterName: topology.masterName,
        replicaReads: true,
      },
      commandTimeoutMs: 1_000,
      healthCheckIntervalMs: 0,
    });
    cleanup.push(() => client.close({ timeoutMs: 0 }));
    expect(await client.command(["SET", "close:s", "1"])).toBe("OK");
    // A blocking command on a dedicated connection, parked on the master.
    const blocked = client
      .withDedicatedConnection((c) =>
        c.command(["BLPOP", "close:empty", "0"], { timeoutMs: 60_000 }),
      )
      .catch((e: unknown) => e);
    await topology.waitForFollowers();
    for (const node of topology.dataNodes.values()) hang(node);

    const ms = await timedClose(() => client.close(), 1_000 + 2_000);
    console.log(`Sentinel client close() with master and replica stopped: ${Math.round(ms)} ms`);
    expect(await blocked).toBeInstanceOf(Error);
    for (const port of topology.dataNodes.keys()) expect(socketsTo(port)).toBe(0);
  }, 60_000);
});
