/**
 * The bounded pool on its own (plain resources: the pool is generic), then the TCP transport's
 * dedicated connections built on it, against a real redis-server.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import type { RedgeClient } from "../client.js";
import { AbortedError, CommandError, ConnectionError, TimeoutError } from "../core/errors.js";
import { createNodeClient } from "../node.js";
import { AcquireTimeoutError, ResourcePool } from "./pool.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds (a wait for a state, not for a time). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(1);
}

interface Res {
  id: number;
  ok: boolean;
}

function makePool(max: number, options: { failCreate?: () => boolean } = {}) {
  let next = 0;
  const destroyed: number[] = [];
  const pool = new ResourcePool<Res>({
    max,
    label: "test resource",
    create: async () => {
      await sleep(1);
      if (options.failCreate?.()) throw new ConnectionError("refused", { sent: false });
      return { id: next++, ok: true };
    },
    destroy: async (r) => {
      destroyed.push(r.id);
    },
    isUsable: (r) => r.ok,
  });
  return { pool, destroyed };
}

const hold = { acquireTimeoutMs: 1_000 };

describe("ResourcePool", () => {
  it("creates lazily, up to max, and reuses idle resources", async () => {
    const { pool } = makePool(2);
    expect(pool.stats.size).toBe(0);
    const a = await pool.use(async (r) => r.id, hold);
    const b = await pool.use(async (r) => r.id, hold);
    expect(a).toBe(b);
    expect(pool.stats).toEqual({ size: 1, idle: 1, inUse: 0, waiting: 0 });
    const ids = await Promise.all([1, 2, 3, 4].map(() => pool.use(async (r) => r.id, hold)));
    expect(new Set(ids).size).toBeLessThanOrEqual(2);
    expect(pool.stats.size).toBeLessThanOrEqual(2);
  });

  it("never holds more than max, and serves waiters first come, first served", async () => {
    const { pool } = makePool(2);
    const order: string[] = [];
    let peak = 0;
    const job = (name: string, ms: number) =>
      pool.use(async () => {
        peak = Math.max(peak, pool.stats.inUse);
        order.push(name);
        await sleep(ms);
      }, hold);
    await Promise.all([job("a", 40), job("b", 40), job("c", 5), job("d", 5), job("e", 5)]);
    expect(peak).toBe(2);
    expect(order).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("fails with a typed, explicit error when nothing frees up in time", async () => {
    const { pool } = makePool(1);
    const busy = pool.use(() => sleep(300), hold);
    await sleep(10);
    const started = performance.now();
    const error = await pool.use(async () => 1, { acquireTimeoutMs: 80 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(error).toBeInstanceOf(AcquireTimeoutError);
    expect(error).toBeInstanceOf(TimeoutError);
    const e = error as AcquireTimeoutError;
    expect(e.code).toBe("timeout");
    expect(e.maxConnections).toBe(1);
    expect(e.acquireTimeoutMs).toBe(80);
    expect(e.message).toBe(
      "No test resource became free within 80 ms: all 1 are in use (raise maxConnections, or the acquire timeout, or hold connections for shorter)",
    );
    expect(pool.stats.waiting).toBe(0);
    await busy;
    expect(await pool.use(async () => "free again", hold)).toBe("free again");
  });

  it("stops waiting when the signal fires", async () => {
    const { pool } = makePool(1);
    const busy = pool.use(() => sleep(200), hold);
    const controller = new AbortController();
    const waiting = pool.use(async () => 1, { acquireTimeoutMs: 5_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(pool.stats.waiting).toBe(0);
    await busy;
  });

  it("destroys a discarded resource and lets a waiter open a new one in its slot", async () => {
    const { pool, destroyed } = makePool(1);
    const first = pool.use(async (r, lease) => {
      await sleep(30);
      lease.discard();
      return r.id;
    }, hold);
    const second = pool.use(async (r) => r.id, hold);
    const [a, b] = await Promise.all([first, second]);
    expect(destroyed).toEqual([a]);
    expect(b).not.toBe(a);
    expect(pool.stats.size).toBe(1);
  });

  it("destroys a resource that broke while idle instead of handing it out", async () => {
    const { pool, destroyed } = makePool(1);
    let kept: Res | undefined;
    await pool.use(async (r) => {
      kept = r;
    }, hold);
    kept!.ok = false;
    const id = await pool.use(async (r) => r.id, hold);
    expect(destroyed).toEqual([kept!.id]);
    expect(id).not.toBe(kept!.id);
  });

  it("gives the resource back when fn throws, and frees the slot when create fails", async () => {
    let fail = true;
    const { pool } = makePool(1, { failCreate: () => fail });
    await expect(pool.use(async () => 1, hold)).rejects.toBeInstanceOf(ConnectionError);
    expect(pool.stats.size).toBe(0);
    fail = false;
    await expect(
      pool.use(async () => {
        throw new Error("boom");
      }, hold),
    ).rejects.toThrow("boom");
    expect(pool.stats).toEqual({ size: 1, idle: 1, inUse: 0, waiting: 0 });
  });

  it("close() fails waiters, destroys idle and busy resources, and refuses new callers", async () => {
    const { pool, destroyed } = makePool(1);
    await pool.use(async () => {}, hold);
    const busy = pool.use(() => sleep(50), hold);
    const waiting = pool.use(async () => 1, hold);
    await sleep(5);
    await pool.close();
    await expect(waiting).rejects.toBeInstanceOf(ConnectionError);
    expect(destroyed).toHaveLength(1);
    await busy;
    expect(destroyed).toHaveLength(1);
    await expect(pool.use(async () => 1, hold)).rejects.toThrow(/closed/);
  });

  it("limits the callers of one share key to maxPerKey, leaving the rest to other keys", async () => {
    let created = 0;
    const pool = new ResourcePool<{ id: number }>({
      max: 4,
      maxPerKey: 2,
      label: "test resource",
      create: async () => ({ id: created++ }),
      destroy: async () => {},
    });
    // Holders that keep their resource until the test lets them go.
    const gates: (() => void)[] = [];
    const holdUntilReleased = (shareKey: string, log: string[]) =>
      pool.use(
        () =>
          new Promise<void>((resolve) => {
            log.push(shareKey);
            gates.push(resolve);
          }),
        { acquireTimeoutMs: 5_000, shareKey },
      );
    const started: string[] = [];
    const a1 = holdUntilReleased("a", started);
    const a2 = holdUntilReleased("a", started);
    const a3 = holdUntilReleased("a", started); // beyond a's share: waits
    const b1 = holdUntilReleased("b", started); // a later caller of another key: served at once
    await until(() => started.length === 3);
    expect(started).toEqual(["a", "a", "b"]);
    expect(pool.stats).toMatchObject({ inUse: 3, waiting: 1 });

    // Not waiting at all: b has room; a is at its share although the pool has a free slot.
    expect(await pool.use(async () => "b2", { acquireTimeoutMs: 0, shareKey: "b" })).toBe("b2");
    const refused = await pool
      .use(async () => 1, { acquireTimeoutMs: 0, shareKey: "a" })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AcquireTimeoutError);
    expect((refused as AcquireTimeoutError).share).toBe(2);
    expect((refused as Error).message).toMatch(/for this key: it holds its share, 2 of 4/);

    // One of a's holders ends: the waiting a takes its place, reusing an idle resource.
    gates.shift()!();
    await a1;
    await until(() => started.length === 4);
    expect(started).toEqual(["a", "a", "b", "a"]);
    expect(pool.stats).toEqual({ size: 4, idle: 1, inUse: 3, waiting: 0 });
    for (const release of gates.splice(0)) release();
    await Promise.all([a2, a3, b1]);
    expect(pool.stats).toMatchObject({ inUse: 0, waiting: 0 });
  });

  it("fails at once with acquireTimeoutMs 0 when every resource is busy", async () => {
    const { pool } = makePool(1);
    let release = () => {};
    const busy = pool.use(() => new Promise<void>((resolve) => (release = resolve)), hold);
    await until(() => pool.stats.inUse === 1);
    const error = await pool.use(async () => 1, { acquireTimeoutMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcquireTimeoutError);
    expect((error as AcquireTimeoutError).share).toBeUndefined();
    expect(pool.stats.waiting).toBe(0);
    release();
    await busy;
  });

  it("rejects a max below 1", () => {
    expect(() => makePool(0)).toThrow(RangeError);
  });
});

describe("TCP dedicated connections", () => {
  const clients: RedgeClient[] = [];
  const make = (maxConnections: number) => {
    const client = createNodeClient({ url: inject("redisUrl"), maxConnections });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  const key = (name: string) => `pool-test:${Math.random().toString(36).slice(2)}:${name}`;
  const clientIds = async (client: RedgeClient) =>
    String(await client.command(["CLIENT", "LIST"]))
      .split("\n")
      .map((line) => /\bid=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);

  it("keeps a blocking command off the shared connection and reuses the connection", async () => {
    const client = make(2);
    const k = key("list");
    const blocked = client.withDedicatedConnection((c) =>
      c.command(["BLPOP", k, 2], { timeoutMs: 3_000 }),
    );
    await sleep(50);
    await client.command(["RPUSH", k, "v"]);
    expect(await blocked).toEqual([k, "v"]);
    const first = await client.withDedicatedConnection((c) => c.command(["CLIENT", "ID"]));
    const again = await client.withDedicatedConnection((c) => c.command(["CLIENT", "ID"]));
    expect(again).toBe(first);
  });

  it("opens at most maxConnections, then fails the acquire with AcquireTimeoutError", async () => {
    const client = make(2);
    const k = key("bounded");
    const holders = [1, 2].map(() =>
      client.withDedicatedConnection((c) => c.command(["BLPOP", k, 0.5], { timeoutMs: 2_000 })),
    );
    await sleep(50);
    const error = await client
      .withDedicatedConnection(async () => 1, { acquireTimeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AcquireTimeoutError);
    expect((error as Error).message).toMatch(/all 2 are in use/);
    expect(await Promise.all(holders)).toEqual([null, null]);
  });

  it("keeps the connection after a Redis error reply", async () => {
    const client = make(1);
    const k = key("wrongtype");
    await client.command(["SET", k, "x"]);
    const id = await client.withDedicatedConnection((c) => c.command(["CLIENT", "ID"]));
    const error = await client
      .withDedicatedConnection((c) => c.command(["LPUSH", k, "y"]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(await client.withDedicatedConnection((c) => c.command(["CLIENT", "ID"]))).toBe(id);
  });

  it("drops a connection killed under a command, and never reuses a broken one", async () => {
    const client = make(1);
    const admin = make(1);
    const k = key("killed");
    const error = await client
      .withDedicatedConnection(async (c) => {
        const id = await c.command(["CLIENT", "ID"]);
        setTimeout(() => void admin.command(["CLIENT", "KILL", "ID", String(id)]), 50);
        return c.command(["BLPOP", k, 5], { timeoutMs: 6_000 });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    // Killed while idle, too: the pool notices and opens a fresh one.
    const second = await client.withDedicatedConnection((c) => c.command(["CLIENT", "ID"]));
    await admin.command(["CLIENT", "KILL", "ID", String(second)]);
    await sleep(50);
    const third = await client.withDedicatedConnection((c) => c.command(["CLIENT", "ID"]));
    expect(third).not.toBe(second);
  });

  it("drops a connection whose command timed out (Redis unblocks it)", async () => {
    const client = make(1);
    const k = key("timeout");
    let blockedId = "";
    const error = await client
      .withDedicatedConnection(async (c) => {
        blockedId = String(await c.command(["CLIENT", "ID"]));
        return c.command(["BLPOP", k, 10], { timeoutMs: 100 });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    await sleep(50);
    expect(await clientIds(client)).not.toContain(blockedId);
    const next = await client.withDedicatedConnection((c) => c.command(["CLIENT", "ID"]));
    expect(String(next)).not.toBe(blockedId);
  });

  it("closes its dedicated connections with the client, blocked ones included", async () => {
    const client = make(2);
    const observer = make(1);
    const ids: string[] = [];
    await client.withDedicatedConnection(async (c) => {
      ids.push(String(await c.command(["CLIENT", "ID"])));
    });
    const blocked = client
      .withDedicatedConnection(async (c) => {
        ids.push(String(await c.command(["CLIENT", "ID"])));
        return c.command(["BLPOP", key("closing"), 10], { timeoutMs: 11_000 });
      })
      .catch((e: unknown) => e);
    await sleep(50);
    expect(ids).toHaveLength(2);
    await client.close();
    expect(await blocked).toBeInstanceOf(ConnectionError);
    await sleep(50);
    const open = await clientIds(observer);
    for (const id of ids) expect(open).not.toContain(id);
    await expect(client.withDedicatedConnection(async () => 1)).rejects.toThrow(/closed/);
  });
});
