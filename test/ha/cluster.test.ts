/**
 * The TCP transport on a real 3-master Redis Cluster: topology() and health(), MOVED and ASK
 * followed while a slot moves between nodes, one-slot pipelines and transactions, a clear error
 * for keys in different slots, blocking commands on dedicated connections, and WAIT.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CommandError,
  createNodeClient,
  DurabilityError,
  type RedgeClient,
} from "../../src/node.js";
import { ask } from "../helpers/topology/ask.js";
import { type ClusterTopology, startCluster } from "../helpers/topology/cluster.js";

let cluster: ClusterTopology;
let client: RedgeClient;
const run = Math.random().toString(36).slice(2, 8);

beforeAll(async () => {
  cluster = await startCluster();
  client = createNodeClient({ cluster: { nodes: cluster.seeds.slice(0, 1) } });
}, 60_000);
afterAll(async () => {
  await client?.close();
  await cluster?.stop();
});

async function nodeIds(): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  for (const node of cluster.nodes)
    ids.set(node.port, String(await ask(node.port, "CLUSTER", "MYID")));
  return ids;
}

/** The node id owning `slot`, as the node at `port` sees it (`CLUSTER NODES`). */
async function ownerSeenBy(port: number, slot: number): Promise<string | undefined> {
  const lines = String(await ask(port, "CLUSTER", "NODES"))
    .trim()
    .split("\n");
  for (const line of lines) {
    const [id, , , , , , , , ...ranges] = line.split(" ");
    for (const range of ranges) {
      if (range.startsWith("[")) continue;
      const [from, to = from] = range.split("-").map(Number);
      if (slot >= from! && slot <= to!) return id;
    }
  }
  return undefined;
}

async function slotSettles(
  slot: number,
  ownerId: string,
  nodes: readonly { port: number }[],
): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const views = await Promise.all(nodes.map((n) => ownerSeenBy(n.port, slot)));
    if (views.every((id) => id === ownerId)) return;
    if (Date.now() > deadline) throw new Error(`slot ${slot} did not settle: ${views.join(", ")}`);
    for (const [i, id] of views.entries()) {
      if (id !== ownerId) await ask(nodes[i]!.port, "CLUSTER", "SETSLOT", slot, "NODE", ownerId);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("Cluster", () => {
  it("runs each node's cluster bus on a port of its own, not data port + 10000", async () => {
    const lines = String(await ask(cluster.nodes[0]!.port, "CLUSTER", "NODES"))
      .trim()
      .split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const [, port, bus] = /:(\d+)@(\d+)/.exec(line) ?? [];
      expect(Number(bus)).toBeLessThanOrEqual(65_535);
      expect(Number(bus)).not.toBe(Number(port) + 10_000);
    }
  });

  it("topology() lists the three masters and their slots; health() names one", async () => {
    const topology = await client.topology();
    expect(topology.kind).toBe("cluster");
    expect(topology.master).toBeNull();
    const masters = topology.nodes!.filter((n) => n.role === "master");
    expect(masters.map((n) => n.port).sort()).toEqual(cluster.nodes.map((n) => n.port).sort());
    const slots = masters.flatMap((n) => n.slots).reduce((sum, [a, b]) => sum + b - a + 1, 0);
    expect(slots).toBe(16_384);
    const health = await client.health();
    expect(health).toMatchObject({ ok: true, role: "master" });
    expect(cluster.nodes.map((n) => n.port)).toContain(health.address?.port);
  });

  it("spreads keys over every node (MOVED followed from a single seed)", async () => {
    for (let i = 0; i < 60; i++) await client.command(["SET", `spread:${run}:${i}`, String(i)]);
    for (const node of cluster.nodes) {
      expect(Number(await ask(node.port, "DBSIZE"))).toBeGreaterThan(0);
    }
    expect(await client.command(["GET", `spread:${run}:59`])).toBe("59");
  });

  it("follows ASK while a slot migrates and MOVED once it moved", async () => {
    const key = `{mig-${run}}old`;
    await client.command(["SET", key, "v"]);
    const slot = Number(await ask(cluster.nodes[0]!.port, "CLUSTER", "KEYSLOT", key));
    const ids = await nodeIds();
    const topology = await client.topology();
    const owner = topology.nodes!.find((n) => n.slots.some(([a, b]) => slot >= a && slot <= b))!;
    const target = cluster.nodes.find((n) => n.port !== owner.port)!;
    const targetId = ids.get(target.port)!;

    await ask(target.port, "CLUSTER", "SETSLOT", slot, "IMPORTING", owner.id);
    await ask(owner.port, "CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
    await ask(owner.port, "MIGRATE", "127.0.0.1", target.port, "", 0, 5_000, "KEYS", key);
    // The old owner answers ASK for keys it no longer has; the client asks the target.
    expect(await client.command(["GET", key])).toBe("v");
    expect(await client.command(["SET", `{mig-${run}}new`, "n"])).toBe("OK");

    // The documented order (target, then the old owner, then the rest): the target claims the
    // slot with a bumped epoch before anyone else hears of the move, so no node's gossip can
    // hand the slot back while the others are told.
    const order = [
      target,
      ...cluster.nodes.filter((n) => n.port === owner.port),
      ...cluster.nodes.filter((n) => n.port !== owner.port && n.port !== target.port),
    ];
    for (const node of order) {
      await ask(node.port, "CLUSTER", "SETSLOT", slot, "NODE", targetId);
    }
    // Wait, by the nodes' own word, until every one of them names the target as the owner
    // (gossip under load can lag or, rarely, hand the slot back: each node that disagrees is
    // told again), so the assertions below meet a settled Cluster.
    await slotSettles(slot, targetId, order);
    // The write made during the migration landed on the target.
    expect(await ask(target.port, "GET", `{mig-${run}}new`)).toBe("n");
    // Now the old owner answers MOVED; the client follows and updates its slot map.
    expect(await client.command(["GET", `{mig-${run}}new`])).toBe("n");
    expect(await client.command(["INCR", `{mig-${run}}n`])).toBe(1);
    expect(await ask(target.port, "GET", `{mig-${run}}n`)).toBe("1");
  });

  it("runs pipelines and transactions within one slot; refuses keys across slots", async () => {
    const tag = `{pt-${run}}`;
    expect(
      await client.pipeline([
        ["SET", `${tag}a`, "1"],
        ["INCR", `${tag}a`],
      ]),
    ).toEqual([
      { ok: true, result: "OK" },
      { ok: true, result: 2 },
    ]);
    const tx = await client.transaction([
      ["INCR", `${tag}a`],
      ["GET", `${tag}a`],
    ]);
    expect(tx).toEqual([
      { ok: true, result: 3 },
      { ok: true, result: "3" },
    ]);
    // Two tags whose slots live on different nodes (node 0 serves the low slots, node 2 the high).
    const slotOf = async (k: string) =>
      Number(await ask(cluster.nodes[0]!.port, "CLUSTER", "KEYSLOT", k));
    let low = 0;
    while ((await slotOf(`{x-${run}-${low}}a`)) >= 5_000) low++;
    let high = 0;
    while ((await slotOf(`{y-${run}-${high}}b`)) < 11_000) high++;
    const [a, b] = [`{x-${run}-${low}}a`, `{y-${run}-${high}}b`];
    const retries: unknown[] = [];
    const strict = createNodeClient({
      cluster: { nodes: cluster.seeds },
      onRetry: (e) => retries.push(e),
    });
    try {
      const error = await strict
        .pipeline([
          ["SET", a, "1"],
          ["SET", b, "1"],
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandError);
      expect((error as CommandError).message).toMatch(/^CROSSSLOT/);
      await expect(strict.command(["EXISTS", a, b])).rejects.toMatchObject({
        prefix: "CROSSSLOT",
      });
      expect(retries).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it("routes blocking commands on dedicated connections to the key's node", async () => {
    const key = `{block-${run}}list`;
    const waiting = client.withDedicatedConnection((connection) =>
      connection.command(["BLPOP", key, 5], { timeoutMs: 6_000 }),
    );
    await new Promise((r) => setTimeout(r, 200));
    await client.command(["RPUSH", key, "hello"]);
    expect(await waiting).toEqual([key, "hello"]);

    // The stream queue's blocking receive uses them too.
    const queue = client.stream<number>(`block-${run}`, { group: "g" });
    await queue.createGroup();
    const received = queue.receive({ consumer: "c1", count: 1, blockMs: 3_000 });
    await new Promise((r) => setTimeout(r, 200));
    await queue.publish(42);
    const messages = await received;
    expect(messages.map((m) => m.data)).toEqual([42]);
  });

  it("runs WAIT on the node that wrote: no replicas here, so a durable write reports 0", async () => {
    const error = await client
      .command(["SET", `{wait-${run}}k`, "1"], { durable: { replicas: 1, timeoutMs: 100 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DurabilityError);
    expect(error).toMatchObject({ acknowledged: 0, required: 1 });
  });
});
