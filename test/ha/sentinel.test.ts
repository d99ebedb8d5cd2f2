/**
 * The TCP transport through Redis Sentinel, against a real master + 2 replicas + 3 Sentinels:
 * finding the master, topology() and health(), replica reads, durable writes (WAIT), the periodic
 * health check, and moving writes to the new master the moment the Sentinels switch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createNodeClient,
  DurabilityError,
  type HealthCheckReport,
  type NodeClientOptions,
  type RedgeClient,
  RedgeError,
} from "../../src/node.js";
import { ask } from "../helpers/topology/ask.js";
import { waitFor } from "../helpers/topology/processes.js";
import { type SentinelTopology, startSentinelTopology } from "../helpers/topology/sentinel.js";

let topology: SentinelTopology;
const clients: RedgeClient[] = [];

beforeAll(async () => {
  topology = await startSentinelTopology();
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await topology?.stop();
});

function client(options: Partial<NodeClientOptions> = {}): RedgeClient {
  const made = createNodeClient({
    sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
    commandTimeoutMs: 2_000,
    ...options,
  } as NodeClientOptions);
  clients.push(made);
  return made;
}

const run = Math.random().toString(36).slice(2, 8);
const key = (name: string) => `ha:${run}:${name}`;

describe("Sentinel", () => {
  it("finds the master; topology() and health() report it and its replicas", async () => {
    const redis = client();
    expect(await redis.command(["SET", key("a"), "1"])).toBe("OK");
    const master = await topology.master();
    const seen = await redis.topology();
    expect(seen.kind).toBe("sentinel");
    expect(seen.master).toEqual(master);
    const replicaPorts = [...topology.dataNodes.keys()].filter((p) => p !== master.port).sort();
    expect(seen.replicas.map((r) => r.port).sort()).toEqual(replicaPorts);

    const health = await redis.health();
    expect(health).toMatchObject({ ok: true, role: "master", address: master });
  });

  it("reads from a replica with replicaReads, writes to the master", async () => {
    const redis = client({
      sentinel: {
        sentinels: topology.sentinels,
        masterName: topology.masterName,
        replicaReads: true,
      },
    });
    // Durable: the replicas have the value before it is read back from one of them.
    await redis.command(["SET", key("r"), "v"], { durable: { replicas: 2, timeoutMs: 2_000 } });
    const master = await topology.master();
    // The replica connection opens in the background; until it is ready reads go to the master.
    const laddr = await waitFor("a read answered by a replica", async () => {
      const info = String(await redis.command(["CLIENT", "INFO"]));
      const port = Number(/laddr=[^ ]*:(\d+)/.exec(info)?.[1]);
      return port !== master.port ? port : undefined;
    });
    expect(topology.dataNodes.has(laddr)).toBe(true);
    expect(await redis.command(["GET", key("r")])).toBe("v");
    // Writes still go to the master (a replica would answer READONLY).
    expect(await redis.command(["INCR", key("n")])).toBe(1);
  });

  it("durable writes: WAIT for replicas on commands, scripts, pipelines and transactions", async () => {
    const durable = { replicas: 2, timeoutMs: 2_000 };
    const redis = client({ durableWrites: durable });
    expect(redis.durableWrites).toEqual(durable);
    // The capabilities' writes (Lua scripts through runScript) are durable too.
    await redis.priority(key("ps")).add("a", { x: 1 }, 5);
    await redis.cache.set("k", 1, { ttlMs: 60_000, namespace: key("cache") });
    expect(await redis.command(["SET", key("d"), "1"])).toBe("OK");
    const piped = await redis.pipeline([
      ["SET", key("p1"), "1"],
      ["INCR", key("p1")],
    ]);
    expect(piped).toEqual([
      { ok: true, result: "OK" },
      { ok: true, result: 2 },
    ]);
    const tx = await redis.transaction([
      ["SET", key("t"), "1"],
      ["INCR", key("t")],
      ["HSET", key("t"), "f", "v"],
    ]);
    expect(tx[0]).toEqual({ ok: true, result: "OK" });
    expect(tx[1]).toEqual({ ok: true, result: 2 });
    expect(tx[2]?.ok).toBe(false);
    // Every replica has every write already: read them from each replica directly.
    const master = await topology.master();
    for (const port of topology.dataNodes.keys()) {
      if (port === master.port) continue;
      expect(await ask(port, "GET", key("d"))).toBe("1");
      expect(await ask(port, "GET", key("t"))).toBe("2");
    }
  });

  it("fewer acknowledgements than asked reject with a DurabilityError, not retried", async () => {
    const retries: unknown[] = [];
    const redis = client({ onRetry: (e) => retries.push(e) });
    const started = Date.now();
    const error = await redis
      .command(["SET", key("three"), "1"], { durable: { replicas: 3, timeoutMs: 300 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DurabilityError);
    expect(error).toMatchObject({ code: "durability", acknowledged: 2, required: 3 });
    expect((error as Error).message).toContain("only 2 of 3");
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(retries).toEqual([]);
    // The write itself ran on the master.
    expect(await redis.command(["GET", key("three")])).toBe("1");

    // A transaction reports it the same way.
    await expect(
      redis.transaction([["SET", key("three"), "2"]], { durable: { replicas: 3, timeoutMs: 100 } }),
    ).rejects.toBeInstanceOf(DurabilityError);
    // `durable: false` turns a client's durableWrites off for one call.
    const strict = client({ durableWrites: { replicas: 3, timeoutMs: 100 } });
    await expect(strict.command(["SET", key("x"), "1"])).rejects.toBeInstanceOf(DurabilityError);
    expect(await strict.command(["SET", key("x"), "1"], { durable: false })).toBe("OK");
    // Reads are not made to wait.
    expect(await strict.command(["GET", key("x")])).toBe("1");
  });

  it("rejects bad durable options, and durable writes on REST", async () => {
    const redis = client();
    await expect(
      redis.command(["SET", key("v"), "1"], { durable: { replicas: 0, timeoutMs: 10 } }),
    ).rejects.toThrow(/durable\.replicas/);
    await expect(
      redis.command(["SET", key("v"), "1"], { durable: { replicas: 1, timeoutMs: 0 } }),
    ).rejects.toThrow(/durable\.timeoutMs/);
    expect(() =>
      createNodeClient({
        url: "https://example.invalid",
        token: "t",
        durableWrites: { replicas: 1, timeoutMs: 100 },
      }),
    ).toThrow(/durableWrites: needs TCP/);
    const rest = createNodeClient({ url: "https://example.invalid", token: "t" });
    await expect(rest.topology()).rejects.toMatchObject({ code: "config" });
    await expect(
      rest.command(["SET", "k", "v"], { durable: { replicas: 1, timeoutMs: 10 } }),
    ).rejects.toBeInstanceOf(RedgeError);
    await rest.close();
  });

  it("runs the periodic health check with ROLE on the master", async () => {
    const reports: HealthCheckReport[] = [];
    client({ healthCheckIntervalMs: 100, onHealthCheck: (r) => reports.push(r) });
    await waitFor("two health checks", async () => (reports.length >= 2 ? true : undefined), 5_000);
    const master = await topology.master();
    expect(reports[0]).toMatchObject({ ok: true, role: "master", address: master });
  });

  // Last: it moves the master.
  it("moves writes to the new master the moment the Sentinels switch (SENTINEL FAILOVER)", async () => {
    const errors: unknown[] = [];
    const redis = client({ retry: { retries: 10, baseDelayMs: 50, maxDelayMs: 250 } });
    const before = await topology.master();
    expect(await redis.command(["SET", key("f"), "before"])).toBe("OK");
    // The client's follower listens to the Sentinels before the failover starts.
    await topology.waitForFollowers(clients.length);
    await ask(topology.sentinels[0]!.port, "SENTINEL", "FAILOVER", topology.masterName);
    const after = await topology.waitForNewMaster(before.port);
    // The old master still answers as a master for seconds (until the Sentinels turn it into a
    // replica, discarding what it took meanwhile), yet the writes go to the new one at once.
    for (let i = 0; i < 20; i++) {
      await redis.command(["INCR", key("after")]).catch((e: unknown) => errors.push(e));
    }
    expect(errors).toEqual([]);
    expect(await ask(after.port, "GET", key("after"))).toBe("20");
    const onOld = await ask(before.port, "GET", key("after"));
    const oldRole = (await ask(before.port, "ROLE")) as string[];
    // Read before the role: if it was still a master then, the value was its own, not replicated.
    if (oldRole[0] === "master") expect(onOld).toBe(null);
    expect(await redis.health()).toMatchObject({ ok: true, role: "master", address: after });
    expect((await redis.topology()).master).toEqual(after);

    // Once the old master is a replica, the client still writes to the new one.
    await waitFor("the old master to become a replica", async () => {
      const role = (await ask(before.port, "ROLE")) as string[];
      return role[0] === "slave" ? true : undefined;
    });
    expect(await redis.command(["INCR", key("after")])).toBe(21);
  });
});
