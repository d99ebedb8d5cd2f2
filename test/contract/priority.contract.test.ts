/**
 * Contract: priority streams behave the same over TCP and REST (through the project's gateway).
 * Includes a property-based test against a small in-memory model of the same semantics.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type RedgeClient, ValidationError } from "../../src/index.js";
import {
  type JsonValue,
  PriorityStream,
  PULL_REPLY_KEEP_MS,
  priorityKeys,
  priorityStream,
  psadd,
  psaddmany,
  psdecrementAll,
  psdeletebelowthreshold,
  psexpired,
  psincrement,
  pspull,
  pullReplyKey,
} from "../../src/priority/index.js";
import { describeTransports } from "./transports.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serverMs(client: RedgeClient): Promise<number> {
  const [s, us] = (await client.command(["TIME"])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/**
 * How many of the stream's keys exist, its events log (written by every change) and its retired
 * lease tokens (they expire with the last of them) left out.
 */
async function keysPresent(client: RedgeClient, name: string): Promise<number> {
  const keys = priorityKeys(client, name).filter((key) => !/:(ev|lt)$/.test(key));
  return (await client.command(["EXISTS", ...keys])) as number;
}

const brief = <T>(items: { id: string; data: T; priority: number }[]) =>
  items.map(({ id, data, priority }) => ({ id, data, priority }));

describeTransports("priority stream", (t) => {
  let counter = 0;
  const fresh = (label: string) => t.key(`ps-${label}-${++counter}`);
  const open = <T = JsonValue>(label: string) => priorityStream<T>(t.client, fresh(label));
  /** Where a purge pull's reply is kept (pull.lua's KEYS[8]). */
  const replyKey = (s: { name: string }, pullId: string) => pullReplyKey(t.client, s.name, pullId);

  describe("data and ordering", () => {
    it("gives data back exactly as it went in", async () => {
      const s = open("data");
      const values: JsonValue[] = [
        "42",
        42,
        "1e3",
        1.5,
        -7,
        0,
        "",
        " ",
        "null",
        null,
        "true",
        true,
        false,
        '{"a":1}',
        { a: 1 },
        "[1,2]",
        [1, "2", [3, { four: null }]],
        { nested: { deep: [{ x: "héllo 🌍 世界" }] }, n: -0.25 },
        "héllo 🌍 世界 \u2028 \t\n",
        "T0s=",
        "OK",
        "x".repeat(10_000),
      ];
      await s.addMany(values.map((data, i) => ({ id: `i${i}`, data, priority: 0 })));
      for (const [i, data] of values.entries()) {
        expect((await s.get(`i${i}`))?.data).toEqual(data);
      }
      const pulled = await s.pull({ count: values.length });
      expect(pulled.map((item) => item.data)).toEqual(values);
      expect(typeof pulled[0]?.data).toBe("string");
      expect(typeof pulled[1]?.data).toBe("number");
    });

    it("serves the highest priority first and equal priorities first-in first-out", async () => {
      const s = open("order");
      const priorities = [1, 5, 1, 3, 5, 1, -2, 3, 5, 0.5, 1e12, -1e-9];
      for (const [i, priority] of priorities.entries()) await s.add(`i${i}`, i, priority);
      await s.addMany([
        { id: "m0", data: "m", priority: 3 },
        { id: "m1", data: "m", priority: 3 },
      ]);
      const expected = [
        ...priorities.map((priority, i) => ({ id: `i${i}`, priority, i })),
        { id: "m0", priority: 3, i: 100 },
        { id: "m1", priority: 3, i: 101 },
      ]
        .sort((a, b) => b.priority - a.priority || a.i - b.i)
        .map(({ id, priority }) => ({ id, priority }));
      const peeked = await s.pull({ count: 100, purge: false });
      expect(peeked.map(({ id, priority }) => ({ id, priority }))).toEqual(expected);
      const drained: { id: string; priority: number }[] = [];
      for (;;) {
        const batch = await s.pull({ count: 3 });
        if (batch.length === 0) break;
        drained.push(...batch.map(({ id, priority }) => ({ id, priority })));
      }
      expect(drained).toEqual(expected);
    });

    it("stamps enqueuedAt with the server's clock", async () => {
      const s = open("clock");
      const before = await serverMs(t.client);
      await s.add("a", "x", 1);
      await s.addMany([{ id: "b", data: "y", priority: 1 }]);
      const after = await serverMs(t.client);
      for (const item of await s.pull({ count: 2, purge: false })) {
        expect(item.enqueuedAt).toBeGreaterThanOrEqual(before);
        expect(item.enqueuedAt).toBeLessThanOrEqual(after);
        expect(item.leasedUntil).toBeNull();
      }
    });

    it("keeps FIFO order when the time index's sequence overflows its 5 digits", async () => {
      // After the clock steps back, Redis keeps the last id's ms and counts the sequence up; past
      // 36^4 - 1 (4 base-36 digits) the prefix moves to the next millisecond instead of growing
      // wider.
      const s = open("overflow");
      const timeIndex = priorityKeys(t.client, s.name)[2]!;
      const ms = (await serverMs(t.client)) + 60_000;
      await t.client.command(["XADD", timeIndex, `${ms}-1679615`, "i", "placeholder"]);
      await s.addMany([
        { id: "a", data: 1, priority: 1 },
        { id: "b", data: 2, priority: 1 },
      ]);
      await s.add("c", 3, 1);
      const items = await s.pull({ count: 3, purge: false });
      expect(items.map((i) => [i.id, i.enqueuedAt])).toEqual([
        ["a", ms + 1],
        ["b", ms + 1],
        ["c", ms + 1],
      ]);
      // One entry per add call (batch), listing the ids it enqueued.
      expect(await t.client.command(["XRANGE", timeIndex, "-", "+"])).toEqual([
        [`${ms}-1679615`, ["i", "placeholder"]],
        [`${ms + 1}-0`, ["i", "a\nb"]],
        [`${ms + 1}-1`, ["i", "c"]],
      ]);
      expect((await s.pull({ count: 3 })).map((i) => i.id)).toEqual(["a", "b", "c"]);
      expect(await t.client.command(["XLEN", timeIndex])).toBe(1);
    });

    it("keeps all keys of a stream in one hash slot, under the client's key prefix", async () => {
      const client = t.makeClient({ keyPrefix: "tenant-a:" });
      const name = fresh("slot");
      const s = priorityStream(client, name);
      await s.add("a", "x", 1);
      const keys = priorityKeys(client, name);
      expect(keys.map((k) => k.replace(`tenant-a:ps:{${name}}:`, ""))).toEqual([
        "q",
        "h",
        "x",
        "l",
        "lp",
        "m",
        "xc",
        "d",
        "dp",
        "a",
        "dl",
        "dz",
        "ev",
        "rw",
        "s",
        "lt",
      ]);
      expect(await t.client.command(["EXISTS", keys[0]!, keys[1]!, keys[2]!])).toBe(3);
      // The same name without the prefix is another stream.
      expect(await priorityStream(t.client, name).size()).toEqual({ ready: 0, leased: 0 });
    });
  });

  describe("add and addMany", () => {
    it("addMany indexes its items in time-index entries of at most 128 ids", async () => {
      const s = open("batches");
      const items = Array.from({ length: 1000 }, (_, i) => ({ id: `b${i}`, data: i, priority: 0 }));
      await s.addMany(items);
      const [, , timeIndex] = priorityKeys(t.client, s.name);
      const entries = (await t.client.command(["XRANGE", timeIndex!, "-", "+"])) as [
        string,
        string[],
      ][];
      expect(entries.map(([, fields]) => fields[1]!.split("\n").length)).toEqual([
        128, 128, 128, 128, 128, 128, 128, 104,
      ]);
      await expectTimeIndexConsistent(t.client, s.name);
      // FIFO across entry boundaries: equal priorities come back in the order they were added.
      const pulled = await s.pull({ count: 300 });
      expect(pulled.map((item) => item.id)).toEqual(items.slice(0, 300).map((item) => item.id));
      await expectTimeIndexConsistent(t.client, s.name);
    });

    it("replace (default) keeps the enqueue time and FIFO place; keep; increment", async () => {
      const s = open("upsert");
      expect(await s.add("a", "a1", 1)).toEqual({ added: true, priority: 1 });
      expect(await s.add("b", "b1", 1)).toEqual({ added: true, priority: 1 });
      const enqueuedAt = (await s.get("a"))!.enqueuedAt;
      await sleep(5);

      expect(await s.add("a", "a2", 1)).toEqual({ added: false, priority: 1 });
      let items = await s.pull({ count: 2, purge: false });
      expect(brief(items)).toEqual([
        { id: "a", data: "a2", priority: 1 },
        { id: "b", data: "b1", priority: 1 },
      ]);
      expect(items[0]!.enqueuedAt).toBe(enqueuedAt);

      expect(await s.add("a", "a3", 7, { ifExists: "keep" })).toEqual({
        added: false,
        priority: 1,
      });
      expect((await s.get("a"))?.data).toBe("a2");

      expect(await s.add("b", "b2", 2.5, { ifExists: "increment" })).toEqual({
        added: false,
        priority: 3.5,
      });
      expect(await s.add("c", "c1", 2, { ifExists: "increment" })).toEqual({
        added: true,
        priority: 2,
      });
      expect(await s.add("d", "d1", 4, { ifExists: "keep" })).toEqual({ added: true, priority: 4 });
      items = await s.pull({ count: 10, purge: false });
      expect(brief(items)).toEqual([
        { id: "d", data: "d1", priority: 4 },
        { id: "b", data: "b2", priority: 3.5 },
        { id: "c", data: "c1", priority: 2 },
        { id: "a", data: "a2", priority: 1 },
      ]);
    });

    it("updates a leased item in place: it stays leased and returns with the new values", async () => {
      const s = open("upsert-leased");
      await s.add("a", "old", 1);
      const [leased] = await s.pull({ leaseMs: 60_000 });
      expect(await s.add("a", "new", 9)).toEqual({ added: false, priority: 9 });
      expect(await s.add("a", "newer", 1, { ifExists: "increment" })).toEqual({
        added: false,
        priority: 10,
      });
      const item = await s.get("a");
      expect(item).toMatchObject({ data: "newer", priority: 10, leasedUntil: leased!.leasedUntil });
      expect(await s.size()).toEqual({ ready: 0, leased: 1 });
      expect(await s.pull({ purge: false })).toEqual([]);
    });

    it("addMany adds and updates in one call, repeated ids included", async () => {
      const s = open("many");
      await s.add("x", "x0", 10);
      const result = await s.addMany(
        [
          { id: "a", data: "a1", priority: 1 },
          { id: "x", data: "x1", priority: 1 },
          { id: "a", data: "a2", priority: 2 },
          { id: "b", data: "b1", priority: 1 },
        ],
        { ifExists: "increment" },
      );
      expect(result).toEqual({ added: 2, existing: 2 });
      expect(brief(await s.pull({ count: 10, purge: false }))).toEqual([
        { id: "x", data: "x1", priority: 11 },
        { id: "a", data: "a2", priority: 3 },
        { id: "b", data: "b1", priority: 1 },
      ]);
      expect(
        await s.addMany([
          { id: "b", data: "b2", priority: 5 },
          { id: "b", data: "b3", priority: 4 },
        ]),
      ).toEqual({ added: 0, existing: 2 });
      expect(await s.get("b")).toMatchObject({ data: "b3", priority: 4 });
      expect(
        await s.addMany(
          [
            { id: "c", data: "c1", priority: 5 },
            { id: "c", data: "c2", priority: 6 },
            { id: "x", data: "x9", priority: 0 },
          ],
          { ifExists: "keep" },
        ),
      ).toEqual({ added: 1, existing: 2 });
      expect(await s.get("c")).toMatchObject({ data: "c1", priority: 5 });
      expect(await s.get("x")).toMatchObject({ data: "x1", priority: 11 });
      expect(await s.addMany([])).toEqual({ added: 0, existing: 0 });
    });

    it("addMany sends large arrays in chunks and keeps their order", async () => {
      const s = open("chunks");
      const items = Array.from({ length: 2_500 }, (_, i) => ({
        id: `k${i}`,
        data: i,
        priority: i % 2,
      }));
      expect(await s.addMany(items)).toEqual({ added: 2_500, existing: 0 });
      expect(await s.size()).toEqual({ ready: 2_500, leased: 0 });
      const pulled = await s.pull({ count: 2_500 });
      const expected = [
        ...items.filter((i) => i.priority === 1),
        ...items.filter((i) => i.priority === 0),
      ];
      expect(pulled.map((i) => i.id)).toEqual(expected.map((i) => i.id));
    });
  });

  describe("pull", () => {
    it("pulls one item by default, purges by default, and peeks without purge or lease", async () => {
      const s = open("pull");
      await s.addMany([
        { id: "a", data: 1, priority: 3 },
        { id: "b", data: 2, priority: 2 },
        { id: "c", data: 3, priority: 1 },
      ]);
      expect(brief(await s.pull({ purge: false }))).toEqual([{ id: "a", data: 1, priority: 3 }]);
      expect(await s.size()).toEqual({ ready: 3, leased: 0 });
      expect((await s.pull()).map((i) => i.id)).toEqual(["a"]);
      expect((await s.pull({ count: 5 })).map((i) => i.id)).toEqual(["b", "c"]);
      expect(await s.pull({ count: 5 })).toEqual([]);
      expect(await s.get("a")).toBeNull();
      expect(await keysPresent(t.client, s.name)).toBeLessThanOrEqual(1); // the empty time index
    });

    it("a purge pull repeated with its pull id returns the same items and removes no more", async () => {
      const s = open("pull-id");
      await s.addMany([
        { id: "a", data: { n: 1 }, priority: 3 },
        { id: "b", data: "two\nlines", priority: 2 },
        { id: "c", data: 3, priority: 1 },
        { id: "d", data: 4, priority: 0 },
      ]);
      const first = await s.pull({ count: 2, pullId: "worker-1:42" });
      expect(brief(first)).toEqual([
        { id: "a", data: { n: 1 }, priority: 3 },
        { id: "b", data: "two\nlines", priority: 2 },
      ]);
      // The repeat (a retry after a lost reply) gets the same reply, whatever it asks for.
      expect(await s.pull({ count: 2, pullId: "worker-1:42" })).toEqual(first);
      expect(await s.pull({ count: 5, gate: true, pullId: "worker-1:42" })).toEqual(first);
      expect(await s.size()).toEqual({ ready: 2, leased: 0 });
      // Another id is another pull.
      expect((await s.pull({ count: 1, pullId: "worker-1:43" })).map((i) => i.id)).toEqual(["c"]);
      // Without an id each call is a pull of its own.
      expect((await s.pull()).map((i) => i.id)).toEqual(["d"]);
      expect(await s.pull()).toEqual([]);
    });

    it("keeps a purge pull's reply for a bounded time in the stream's slot, and none when empty", async () => {
      const s = open("pull-reply");
      await s.add("a", "A", 1);
      await s.pull({ pullId: "p1" });
      const ttl = Number(await t.client.command(["PTTL", replyKey(s, "p1")]));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(PULL_REPLY_KEEP_MS);
      // An empty pull removed nothing: nothing to keep, and a repeat may take what came since.
      expect(await s.pull({ pullId: "p2" })).toEqual([]);
      expect(await t.client.command(["EXISTS", replyKey(s, "p2")])).toBe(0);
      await s.add("b", "B", 1);
      expect((await s.pull({ pullId: "p2" })).map((i) => i.id)).toEqual(["b"]);
      // Leases and peeks keep nothing.
      await s.add("c", "C", 1);
      await s.pull({ purge: false });
      await s.pull({ leaseMs: 60_000 });
      expect(await t.client.command(["EXISTS", replyKey(s, "")])).toBe(0);
    });

    it("with gate returns only items at or above the stream's gate", async () => {
      const s = open("gate");
      expect(await s.getGate()).toBeNull();
      await s.addMany([
        { id: "hi", data: 0, priority: 10 },
        { id: "mid", data: 0, priority: 5 },
        { id: "lo", data: 0, priority: 1 },
      ]);
      // No gate set: gate has nothing to filter with.
      expect((await s.pull({ count: 5, gate: true, purge: false })).map((i) => i.id)).toEqual([
        "hi",
        "mid",
        "lo",
      ]);
      await s.setGate(5);
      expect(await s.getGate()).toBe(5);
      expect((await s.pull({ count: 5, gate: true, purge: false })).map((i) => i.id)).toEqual([
        "hi",
        "mid",
      ]);
      // Gate off: everything.
      expect(await s.pull({ count: 5, purge: false })).toHaveLength(3);
      // The gate follows decrementAll: priorities move, the gate stays.
      await s.decrementAll(1);
      expect((await s.pull({ count: 5, gate: true, purge: false })).map((i) => i.id)).toEqual([
        "hi",
      ]);
      const leased = await s.pull({ count: 5, gate: true, leaseMs: 60_000 });
      expect(leased.map((i) => i.id)).toEqual(["hi"]);
      expect(await s.pull({ count: 5, gate: true })).toEqual([]);
      await s.setGate(-0.5);
      expect((await s.pull({ count: 5, gate: true })).map((i) => i.id)).toEqual(["mid", "lo"]);
      await s.setGate(null);
      expect(await s.getGate()).toBeNull();
    });
  });

  describe("leases", () => {
    it("hide items until acked; ack completes them once", async () => {
      const s = open("lease");
      await s.addMany([
        { id: "a", data: "A", priority: 2 },
        { id: "b", data: "B", priority: 1 },
      ]);
      const before = await serverMs(t.client);
      const leased = await s.pull({ count: 1, leaseMs: 60_000 });
      expect(brief(leased)).toEqual([{ id: "a", data: "A", priority: 2 }]);
      expect(leased[0]!.leasedUntil).toBeGreaterThanOrEqual(before + 60_000);
      expect(await s.size()).toEqual({ ready: 1, leased: 1 });
      expect((await s.pull({ count: 5, purge: false })).map((i) => i.id)).toEqual(["b"]);
      expect((await s.get("a"))?.leasedUntil).toBe(leased[0]!.leasedUntil);

      expect(await s.ack(["a", "b", "nope", "a"])).toEqual(["a"]);
      expect(await s.ack(["a"])).toEqual([]);
      expect(await s.get("a")).toBeNull();
      expect(await s.size()).toEqual({ ready: 1, leased: 0 });
      expect(await s.ack([])).toEqual([]);
    });

    it("come back by themselves when the lease runs out; a late ack is refused", async () => {
      const s = open("lease-expiry");
      await s.addMany([
        { id: "a", data: "A", priority: 2 },
        { id: "b", data: "B", priority: 1 },
      ]);
      const [first] = await s.pull({ count: 1, leaseMs: 150 });
      expect(first!.id).toBe("a");
      // Poll until it is back: never before its deadline by the server's clock.
      let back: string[] = [];
      for (let i = 0; i < 60 && !back.includes("a"); i++) {
        await sleep(25);
        const before = await serverMs(t.client);
        back = (await s.pull({ count: 5, purge: false })).map((item) => item.id);
        // A pull that saw it back ran at or after the deadline (so the clock is past it now); one
        // that did not ran before it (so the clock was before it when that pull was sent).
        if (back.includes("a")) {
          expect(await serverMs(t.client)).toBeGreaterThanOrEqual(first!.leasedUntil!);
        } else {
          expect(before).toBeLessThan(first!.leasedUntil!);
        }
      }
      expect(back).toEqual(["a", "b"]); // back in its place: priority first, then FIFO
      expect(await s.ack(["a"])).toEqual([]);
      expect(await s.get("a")).toMatchObject({ leasedUntil: null, priority: 2, data: "A" });
      expect(await s.size()).toEqual({ ready: 2, leased: 0 });
    });

    it("an ack after the lease ran out is refused even before any other call", async () => {
      const s = open("late-ack");
      await s.add("a", "A", 1);
      await s.pull({ leaseMs: 100 });
      await sleep(250);
      expect(await s.ack(["a"])).toEqual([]);
      expect(await s.size()).toEqual({ ready: 1, leased: 0 });
    });

    it("ack with the pull's leasedUntil only completes that very lease", async () => {
      const s = open("lease-token");
      await s.add("a", "A", 1);
      const [old] = await s.pull({ leaseMs: 100 });
      await sleep(250);
      const [current] = await s.pull({ leaseMs: 60_000 });
      expect(current!.leasedUntil).toBeGreaterThan(old!.leasedUntil!);
      expect(await s.ack([{ id: "a", leasedUntil: old!.leasedUntil! }])).toEqual([]);
      expect(await s.size()).toEqual({ ready: 0, leased: 1 });
      expect(await s.ack([{ id: "a", leasedUntil: current!.leasedUntil! }])).toEqual(["a"]);
      expect(await s.size()).toEqual({ ready: 0, leased: 0 });
    });
  });

  describe("priorities", () => {
    it("increment returns the new priority, or null for an absent id", async () => {
      const s = open("increment");
      await s.addMany([
        { id: "a", data: 0, priority: 1 },
        { id: "b", data: 0, priority: 2 },
      ]);
      expect(await s.increment("a", 5)).toBe(6);
      expect(await s.increment("b", -2.5)).toBe(-0.5);
      expect(await s.increment("missing", 1)).toBeNull();
      expect(await s.get("missing")).toBeNull();
      expect((await s.pull({ count: 2, purge: false })).map((i) => i.id)).toEqual(["a", "b"]);
      expect(await s.increment("a", -6)).toBe(0);
      expect(Object.is(await s.increment("a", 0), 0)).toBe(true);
      // A leased item keeps its lease and gets the new priority.
      await s.pull({ count: 1, leaseMs: 60_000 });
      expect(await s.increment("b", 10)).toBe(9.5);
      expect(await s.get("b")).toMatchObject({ priority: 9.5 });
      expect(await s.size()).toEqual({ ready: 1, leased: 1 });
    });

    it("decrementAll moves every priority; deleteBelow and increment follow it", async () => {
      const s = open("decrement");
      await s.addMany([
        { id: "a", data: 0, priority: 10 },
        { id: "b", data: 0, priority: 5 },
        { id: "c", data: 0, priority: 3 },
        { id: "d", data: 0, priority: 1 },
      ]);
      await s.decrementAll(3);
      expect(
        (await s.pull({ count: 10, purge: false })).map(({ id, priority }) => [id, priority]),
      ).toEqual([
        ["a", 7],
        ["b", 2],
        ["c", 0],
        ["d", -2],
      ]);
      expect(await s.deleteBelow(0)).toEqual(["d"]);
      expect(await s.increment("c", 4)).toBe(4);
      await s.add("e", 0, 3);
      await s.decrementAll(-1.5);
      expect(
        (await s.pull({ count: 10, purge: false })).map(({ id, priority }) => [id, priority]),
      ).toEqual([
        ["a", 8.5],
        ["c", 5.5],
        ["e", 4.5],
        ["b", 3.5],
      ]);
      expect(await s.deleteBelow(4.5, { inclusive: true })).toEqual(["e", "b"]);
      expect(await s.deleteBelow(-100)).toEqual([]);
      await s.decrementAll(0);
      expect((await s.pull({ count: 10 })).map((i) => i.id)).toEqual(["a", "c"]);
    });

    it("deleteBelow removes leased items too; their ack is then refused", async () => {
      const s = open("delete-leased");
      await s.addMany([
        { id: "a", data: 0, priority: 1 },
        { id: "b", data: 0, priority: 2 },
        { id: "c", data: 0, priority: 1 },
      ]);
      await s.pull({ count: 1, leaseMs: 60_000 }); // b
      await s.decrementAll(1);
      expect(await s.deleteBelow(2)).toEqual(["a", "c", "b"]);
      expect(await s.ack(["b"])).toEqual([]);
      expect(await s.size()).toEqual({ ready: 0, leased: 0 });
    });
  });

  describe("expired", () => {
    it("lists items enqueued longer ago than ttlMs, oldest first; purge removes them", async () => {
      const s = open("expired");
      await s.addMany([
        { id: "old1", data: "o1", priority: 1 },
        { id: "old2", data: "o2", priority: 9 },
      ]);
      await s.pull({ count: 1, leaseMs: 60_000 }); // old2 leased
      await sleep(500);
      await s.add("new", "n", 5);
      const listed = await s.expired({ ttlMs: 250 });
      expect(brief(listed)).toEqual([
        { id: "old1", data: "o1", priority: 1 },
        { id: "old2", data: "o2", priority: 9 },
      ]);
      expect(listed[0]!.leasedUntil).toBeNull();
      expect(listed[1]!.leasedUntil).not.toBeNull();
      expect(await s.size()).toEqual({ ready: 2, leased: 1 });
      expect((await s.expired({ ttlMs: 250, limit: 1 })).map((i) => i.id)).toEqual(["old1"]);
      expect(await s.expired({ ttlMs: 60_000 })).toEqual([]);

      const purged = await s.expired({ ttlMs: 250, purge: true });
      expect(purged.map((i) => i.id)).toEqual(["old1", "old2"]);
      expect(await s.size()).toEqual({ ready: 1, leased: 0 });
      expect(await s.ack(["old2"])).toEqual([]);
      expect(await s.expired({ ttlMs: 250 })).toEqual([]);
      // A replaced item keeps its enqueue time, so it expires with it.
      await sleep(300);
      await s.add("new", "n2", 6);
      expect(brief(await s.expired({ ttlMs: 200, purge: true }))).toEqual([
        { id: "new", data: "n2", priority: 6 },
      ]);
      expect(await keysPresent(t.client, s.name)).toBeLessThanOrEqual(1);
    });
  });

  describe("remove, size, clear", () => {
    it("remove deletes ready and leased items and reports which were there", async () => {
      const s = open("remove");
      await s.addMany([
        { id: "a", data: 0, priority: 1 },
        { id: "b", data: 0, priority: 2 },
        { id: "c", data: 0, priority: 3 },
      ]);
      await s.pull({ count: 1, leaseMs: 60_000 }); // c
      expect(await s.remove(["c", "x", "a", "a"])).toEqual(["c", "a"]);
      expect(await s.ack(["c"])).toEqual([]);
      expect(await s.size()).toEqual({ ready: 1, leased: 0 });
      expect(await s.remove([])).toEqual([]);
      expect(await s.expired({ ttlMs: 1, limit: 10 }).then((l) => l.length)).toBeLessThanOrEqual(1);
    });

    it("clear deletes every item and the offset but keeps the gate", async () => {
      const s = open("clear");
      await s.addMany([
        { id: "a", data: 0, priority: 1 },
        { id: "b", data: 0, priority: 2 },
      ]);
      await s.pull({ leaseMs: 60_000 });
      await s.decrementAll(5);
      await s.setGate(3);
      expect(await s.clear()).toBe(2);
      expect(await s.size()).toEqual({ ready: 0, leased: 0 });
      expect(await s.getGate()).toBe(3);
      expect(await keysPresent(t.client, s.name)).toBe(1); // meta, holding the gate
      await s.add("c", 0, 4);
      expect(await s.get("c")).toMatchObject({ priority: 4 });
      await s.setGate(null);
      await s.clear();
      expect(await keysPresent(t.client, s.name)).toBe(0);
      expect(await s.clear()).toBe(0);
    });
  });

  it("offers the seed's names as aliases", async () => {
    const name = fresh("alias");
    expect(await psadd(t.client, name, "a", "A", 1)).toEqual({ added: true, priority: 1 });
    expect(
      await psaddmany<JsonValue>(t.client, name, [
        { id: "b", data: { b: 1 }, priority: 2 },
        ["c", "C", 3], // the seed's (id, data, priority) tuple
      ]),
    ).toEqual({ added: 2, existing: 0 });
    expect(await psincrement(t.client, name, "a", 5)).toBe(6);
    await psdecrementAll(t.client, name, 2);
    expect(await psdeletebelowthreshold(t.client, name, 1)).toEqual(["b"]);
    expect(await psexpired(t.client, name, { ttlMs: 60_000 })).toEqual([]);
    expect(brief(await pspull(t.client, name, { count: 5, purge: true }))).toEqual([
      { id: "a", data: "A", priority: 4 },
      { id: "c", data: "C", priority: 1 },
    ]);
    await expect(psadd(t.client, "bad{name}", "a", "A", 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(
      psaddmany(t.client, name, [["d", "D"] as never, ["e", "E", Number.NaN]]),
    ).rejects.toThrow(/items\.0.*items\.1\.priority/);
    expect(await new PriorityStream(t.client, name).size()).toEqual({ ready: 0, leased: 0 });
  });

  it("pspull follows the seed's defaults: a peek unless purge: true (pull purges)", async () => {
    const name = fresh("alias-pull");
    await psaddmany<JsonValue>(t.client, name, [
      ["low", "L", 1],
      ["high", "H", 5],
    ]);
    const s = new PriorityStream(t.client, name);
    // The seed's `pspull(name)` / `pspull(name, count=5)`: nothing is consumed.
    expect(brief(await pspull(t.client, name))).toEqual([{ id: "high", data: "H", priority: 5 }]);
    expect(brief(await pspull(t.client, name, { count: 5 })).map((i) => i.id)).toEqual([
      "high",
      "low",
    ]);
    expect(brief(await t.client.pspull(name, { count: 5, gate: true })).length).toBe(2);
    expect(await s.size()).toEqual({ ready: 2, leased: 0 });
    // purge: true consumes, as in the seed.
    expect((await pspull(t.client, name, { purge: true })).map((i) => i.id)).toEqual(["high"]);
    expect(await s.size()).toEqual({ ready: 1, leased: 0 });
    // A lease is still a lease through the alias.
    const [leased] = await t.client.pspull(name, { leaseMs: 60_000 });
    expect(leased?.leasedUntil).toEqual(expect.any(Number));
    expect(await s.size()).toEqual({ ready: 0, leased: 1 });
    // The native method keeps its own default: it purges.
    await s.add("again", "A", 1);
    expect((await s.pull()).map((i) => i.id)).toEqual(["again"]);
    expect(await s.size()).toEqual({ ready: 0, leased: 1 });
    await expect(pspull(t.client, name, { count: 0 })).rejects.toThrow(/options\.count/);
    await expect(pspull(t.client, name, 5 as never)).rejects.toThrow(/options/);
  });

  it("rejects bad input with a ValidationError naming the field, and writes nothing", async () => {
    const s = open("invalid");
    const reject = async (call: () => Promise<unknown>, field: RegExp) => {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, String(field)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(field);
    };
    const bad = Number.NaN;
    for (const name of ["", "a{b", "a}b", "a\nb", "a\u0000", "x".repeat(201)]) {
      expect(() => new PriorityStream(t.client, name)).toThrow(/name/);
    }
    for (const id of ["", "x".repeat(513), "a{", "}a", "a\tb", "\u007f"]) {
      await reject(() => s.add(id, "x", 1), /id/);
      await reject(() => s.addMany([{ id, data: "x", priority: 1 }]), /items\.0\.id/);
      await reject(() => s.ack([id]), /ids\.0/);
      await reject(() => s.remove([id]), /ids\.0/);
      await reject(() => s.get(id), /id/);
      await reject(() => s.increment(id, 1), /id/);
    }
    for (const priority of [bad, Infinity, -Infinity, "1" as never, undefined as never]) {
      await reject(() => s.add("a", "x", priority), /priority/);
      await reject(() => s.increment("a", priority), /delta/);
      await reject(() => s.decrementAll(priority), /delta/);
      await reject(() => s.deleteBelow(priority), /threshold/);
      await reject(() => s.setGate(priority), /value/);
    }
    for (const data of [
      undefined,
      bad,
      Infinity,
      () => 1,
      1n,
      { a: undefined },
      [bad],
      new Date(),
    ]) {
      await reject(() => s.add("a", data as never, 1), /data/);
    }
    await reject(
      () =>
        s.addMany([
          { id: "ok", data: "x", priority: 1 },
          { id: "ok2", data: "x", priority: bad },
        ]),
      /items\.1\.priority/,
    );
    await reject(() => s.addMany("nope" as never), /items/);
    await reject(() => s.add("a", "x", 1, { ifExists: "merge" as never }), /ifExists/);
    await reject(() => s.add("a", "x", 1, { other: 1 } as never), /options/);
    for (const count of [0, -1, 1.5, 10_001, bad, "5" as never]) {
      await reject(() => s.pull({ count }), /count/);
    }
    for (const leaseMs of [0, -5, 1.5, bad, Infinity, 2 ** 46]) {
      await reject(() => s.pull({ leaseMs }), /leaseMs/);
    }
    await reject(() => s.pull({ purge: true, leaseMs: 100 }), /leaseMs/);
    await reject(() => s.pull({ lease: 100 } as never), /options/);
    for (const pullId of ["", "a{b}", "a b", "x".repeat(65), 7 as never]) {
      await reject(() => s.pull({ pullId }), /options\.pullId/);
    }
    await reject(() => s.pull({ leaseMs: 100, pullId: "p" }), /options\.pullId/);
    await reject(() => s.pull({ purge: false, pullId: "p" }), /options\.pullId/);
    for (const ttlMs of [0, -1, 1.5, bad, undefined as never]) {
      await reject(() => s.expired({ ttlMs }), /ttlMs/);
    }
    await reject(() => s.expired({ ttlMs: 10, limit: 0 }), /limit/);
    await reject(() => s.expired({ ttlMs: 10, limit: 10_001 }), /limit/);
    await reject(() => s.ack(Array.from({ length: 10_001 }, (_, i) => `i${i}`)), /ids/);
    await reject(() => s.ack([{ id: "a", leasedUntil: -1 }]), /ids\.0/);
    await reject(() => s.deleteBelow(1, { inclusive: "yes" as never }), /inclusive/);
    expect(await keysPresent(t.client, s.name)).toBe(0);
  });

  it("matches a reference model over random operation sequences", async () => {
    const ids = ["a", "b", "c", "d", "e"];
    const id = fc.constantFrom(...ids);
    const int = fc.integer({ min: -5, max: 5 });
    const data = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
    );
    const ifExists = fc.constantFrom("replace" as const, "keep" as const, "increment" as const);
    // Due times the model can follow without a clock: long past (due now) or far ahead (hidden).
    const due = fc.constantFrom(undefined, "past" as const, "future" as const);
    const op = fc.oneof(
      fc.record({ op: fc.constant("add" as const), id, data, priority: int, ifExists, due }),
      fc.record({
        op: fc.constant("addMany" as const),
        items: fc.array(fc.record({ id, data, priority: int, due }), { maxLength: 5 }),
        ifExists,
      }),
      fc.record({
        op: fc.constant("pull" as const),
        count: fc.integer({ min: 1, max: 4 }),
        purge: fc.boolean(),
        gate: fc.boolean(),
      }),
      fc.record({
        op: fc.constant("lease" as const),
        count: fc.integer({ min: 1, max: 4 }),
        gate: fc.boolean(),
      }),
      fc.record({ op: fc.constant("ack" as const), ids: fc.array(id, { maxLength: 3 }) }),
      fc.record({ op: fc.constant("nack" as const), ids: fc.array(id, { maxLength: 3 }) }),
      fc.record({
        op: fc.constant("setConcurrency" as const),
        limit: fc.option(fc.integer({ min: 1, max: 3 })),
      }),
      fc.record({ op: fc.constant("increment" as const), id, delta: int }),
      fc.record({ op: fc.constant("decrementAll" as const), delta: int }),
      fc.record({
        op: fc.constant("deleteBelow" as const),
        threshold: int,
        inclusive: fc.boolean(),
      }),
      fc.record({ op: fc.constant("setGate" as const), gate: fc.option(int) }),
      fc.record({ op: fc.constant("remove" as const), ids: fc.array(id, { maxLength: 3 }) }),
      fc.record({ op: fc.constant("get" as const), id }),
      fc.record({ op: fc.constant("size" as const) }),
      fc.record({ op: fc.constant("deadLetters" as const) }),
      fc.record({
        op: fc.constant("expired" as const),
        purge: fc.boolean(),
        limit: fc.integer({ min: 1, max: 4 }),
      }),
    );
    const FAR = Date.UTC(2999, 0, 1);
    const dueOptions = (d: "past" | "future" | undefined) =>
      d === "past" ? { runAt: 1 } : d === "future" ? { runAt: FAR } : {};
    const withAttempts = <T extends { id: string; data: JsonValue; priority: number }>(
      items: (T & { attempts: number })[],
    ) => items.map(({ id, data, priority, attempts }) => ({ id, data, priority, attempts }));

    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const s = priorityStream(t.client, fresh("model"), { maxAttempts: MODEL_MAX_ATTEMPTS });
        const model = new ReferenceModel();
        try {
          for (const o of ops) {
            switch (o.op) {
              case "add":
                expect(
                  await s.add(o.id, o.data, o.priority, {
                    ifExists: o.ifExists,
                    ...dueOptions(o.due),
                  }),
                ).toEqual(model.add(o.id, o.data, o.priority, o.ifExists, o.due === "future"));
                break;
              case "addMany":
                expect(
                  await s.addMany(
                    o.items.map(({ due: d, ...item }) => ({ ...item, ...dueOptions(d) })),
                    { ifExists: o.ifExists },
                  ),
                ).toEqual(model.addMany(o.items, o.ifExists));
                break;
              case "pull":
                expect(
                  withAttempts(await s.pull({ count: o.count, purge: o.purge, gate: o.gate })),
                ).toEqual(model.pull(o.count, o.purge, o.gate));
                break;
              case "lease":
                expect(
                  withAttempts(await s.pull({ count: o.count, gate: o.gate, leaseMs: 600_000 })),
                ).toEqual(model.lease(o.count, o.gate));
                break;
              case "ack":
                expect(await s.ack(o.ids)).toEqual(model.ack(o.ids));
                break;
              case "nack":
                expect(await s.nack(o.ids, { delayMs: 0, reason: "model" })).toEqual(
                  model.nack(o.ids),
                );
                break;
              case "setConcurrency":
                await s.setLimits(o.limit === null ? {} : { concurrency: o.limit });
                model.concurrency = o.limit;
                break;
              case "increment":
                expect(await s.increment(o.id, o.delta)).toEqual(model.increment(o.id, o.delta));
                break;
              case "decrementAll":
                await s.decrementAll(o.delta);
                model.decrementAll(o.delta);
                break;
              case "deleteBelow":
                expect(await s.deleteBelow(o.threshold, { inclusive: o.inclusive })).toEqual(
                  model.deleteBelow(o.threshold, o.inclusive),
                );
                break;
              case "setGate":
                await s.setGate(o.gate);
                model.gate = o.gate;
                expect(await s.getGate()).toBe(o.gate);
                break;
              case "remove":
                expect(await s.remove(o.ids)).toEqual(model.remove(o.ids));
                break;
              case "get": {
                const item = await s.get(o.id);
                expect(item ? withAttempts([item])[0] : null).toEqual(model.get(o.id));
                break;
              }
              case "size":
                expect(await s.size()).toEqual(model.size());
                break;
              case "deadLetters": {
                const letters = await s.deadLetters({ count: 100 });
                expect(
                  letters
                    .map(({ id, data, priority, attempts, reason }) => ({
                      id,
                      data,
                      priority,
                      attempts,
                      reason,
                    }))
                    .sort((a, b) => (a.id < b.id ? -1 : 1)),
                ).toEqual(model.deadLetters());
                break;
              }
              case "expired":
                // Everything added so far is older than 1 ms once a few ms have passed.
                await sleep(5);
                expect(
                  brief(await s.expired({ ttlMs: 1, purge: o.purge, limit: o.limit })),
                ).toEqual(model.oldest(o.limit, o.purge));
                break;
            }
          }
          expect(withAttempts(await s.pull({ count: 100, purge: false }))).toEqual(model.peek(100));
          await expectTimeIndexConsistent(t.client, s.name);
        } finally {
          await s.clear();
          await s.setGate(null);
          await s.setLimits({});
        }
      }),
      { numRuns: 50 },
    );
  });
});

/** The model stream's maxAttempts: a third nack (or lease that ran out) makes a dead letter. */
const MODEL_MAX_ATTEMPTS = 3;

interface ModelItem {
  data: JsonValue;
  priority: number;
  seq: number;
  /** ready, leased (long leases: none runs out) or hidden (due far ahead). */
  state: "ready" | "leased" | "hidden";
  /** Leases that ended without an ack. */
  failed: number;
}

/**
 * The priority stream's semantics without time: a map, a sequence counter, a gate, leases that
 * never run out, items due far ahead (hidden) or already due (ready), nacks with no delay (back
 * in place), maxAttempts and the concurrency limit.
 */
class ReferenceModel {
  readonly items = new Map<string, ModelItem>();
  readonly dead = new Map<
    string,
    { data: JsonValue; priority: number; attempts: number; reason: string }
  >();
  gate: number | null = null;
  concurrency: number | null = null;
  #seq = 0;

  add(id: string, data: JsonValue, priority: number, ifExists: string, hidden = false) {
    const current = this.items.get(id);
    if (!current) {
      const state = hidden ? "hidden" : "ready";
      this.items.set(id, { data, priority, seq: this.#seq++, state, failed: 0 });
      return { added: true, priority };
    }
    if (ifExists === "replace") Object.assign(current, { data, priority });
    if (ifExists === "increment")
      Object.assign(current, { data, priority: current.priority + priority });
    return { added: false, priority: current.priority };
  }

  addMany(
    items: { id: string; data: JsonValue; priority: number; due?: string | undefined }[],
    ifExists: string,
  ) {
    let added = 0;
    for (const item of items) {
      const hidden = item.due === "future";
      if (this.add(item.id, item.data, item.priority, ifExists, hidden).added) added++;
    }
    return { added, existing: items.length - added };
  }

  #sorted(state?: ModelItem["state"]) {
    return [...this.items.entries()]
      .filter(([, item]) => state === undefined || item.state === state)
      .sort(([, a], [, b]) => b.priority - a.priority || a.seq - b.seq)
      .map(([id, { data, priority, failed, state: st }]) => ({
        id,
        data,
        priority,
        attempts: failed + (st === "leased" ? 1 : 0),
      }));
  }

  #eligible(gate: boolean) {
    const gateValue = this.gate;
    const ready = this.#sorted("ready");
    return gate && gateValue !== null ? ready.filter((i) => i.priority >= gateValue) : ready;
  }

  peek(count: number) {
    return this.#eligible(false).slice(0, count);
  }

  pull(count: number, purge: boolean, gate: boolean) {
    const picked = this.#eligible(gate).slice(0, count);
    if (!purge) return picked;
    for (const item of picked) this.items.delete(item.id);
    return picked.map((item) => ({ ...item, attempts: item.attempts + 1 }));
  }

  lease(count: number, gate: boolean) {
    const held = this.#sorted("leased").length;
    const allowed = this.concurrency === null ? count : Math.min(count, this.concurrency - held);
    const picked = this.#eligible(gate).slice(0, Math.max(allowed, 0));
    for (const item of picked) this.items.get(item.id)!.state = "leased";
    return picked.map((item) => ({ ...item, attempts: item.attempts + 1 }));
  }

  #leasedIds(ids: string[]) {
    const out: string[] = [];
    for (const id of ids) {
      if (this.items.get(id)?.state === "leased" && !out.includes(id)) out.push(id);
    }
    return out;
  }

  ack(ids: string[]) {
    const acked = this.#leasedIds(ids);
    for (const id of acked) this.items.delete(id);
    return acked;
  }

  nack(ids: string[]) {
    const retried: string[] = [];
    const deadLettered: string[] = [];
    for (const id of this.#leasedIds(ids)) {
      const item = this.items.get(id)!;
      item.failed++;
      if (item.failed >= MODEL_MAX_ATTEMPTS) {
        this.items.delete(id);
        const { data, priority, failed } = item;
        this.dead.set(id, { data, priority, attempts: failed, reason: "model" });
        deadLettered.push(id);
      } else {
        item.state = "ready";
        retried.push(id);
      }
    }
    return { retried, deadLettered };
  }

  deadLetters() {
    return [...this.dead.entries()]
      .map(([id, letter]) => ({ id, ...letter }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  size() {
    return { ready: this.#sorted("ready").length, leased: this.#sorted("leased").length };
  }

  increment(id: string, delta: number) {
    const current = this.items.get(id);
    if (!current) return null;
    current.priority += delta;
    return current.priority;
  }

  decrementAll(delta: number) {
    for (const item of this.items.values()) item.priority -= delta;
  }

  /** Ready ones from the highest priority down, then leased ones, then delayed ones. */
  deleteBelow(threshold: number, inclusive: boolean) {
    const below = (i: { priority: number }) =>
      inclusive ? i.priority <= threshold : i.priority < threshold;
    const doomed = [
      ...this.#sorted("ready").filter(below),
      ...this.#sorted("leased").filter(below),
      ...this.#sorted("hidden").filter(below),
    ];
    for (const item of doomed) this.items.delete(item.id);
    return doomed.map((i) => i.id);
  }

  remove(ids: string[]) {
    const removed: string[] = [];
    for (const id of ids) if (this.items.delete(id)) removed.push(id);
    return removed;
  }

  get(id: string) {
    const item = this.items.get(id);
    if (!item) return null;
    const attempts = item.failed + (item.state === "leased" ? 1 : 0);
    return { id, data: item.data, priority: item.priority, attempts };
  }

  /**
   * `expired` when every item is old enough: the first `limit` in enqueue order, ready or leased
   * (an item due far ahead is not enqueued yet).
   */
  oldest(limit: number, purge: boolean) {
    const picked = [...this.items.entries()]
      .filter(([, item]) => item.state !== "hidden")
      .sort(([, a], [, b]) => a.seq - b.seq)
      .slice(0, limit)
      .map(([id, { data, priority }]) => ({ id, data, priority }));
    if (purge) for (const item of picked) this.items.delete(item.id);
    return picked;
  }
}

/**
 * The time index's invariants: each entry (one per add call) lists the ids it enqueued; an id
 * counts while the item stored under it carries the entry's prefix. Every entry keeps at least
 * one such item, entries of more than one id keep that number in the batch counts (`:xc`), and
 * every item is counted exactly once, except delayed items (in `:d`), which have no batch yet.
 */
async function expectTimeIndexConsistent(client: RedgeClient, name: string): Promise<void> {
  const [, itemsKey, timeIndex, , , , countsKey, delayedKey] = priorityKeys(client, name);
  const flat = (reply: unknown) => {
    const list = reply as string[];
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < list.length; i += 2) map.set(list[i]!, list[i + 1]!);
    return map;
  };
  const stored = flat(await client.command(["HGETALL", itemsKey!]));
  // Delayed items have no batch until they are due (and promoted): they are not in the index.
  for (const member of (await client.command(["ZRANGE", delayedKey!, 0, -1])) as string[]) {
    expect(stored.get(member.slice(16))?.slice(0, 16), member).toBe(member.slice(0, 16));
    stored.delete(member.slice(16));
  }
  const counts = flat(await client.command(["ZRANGE", countsKey!, 0, -1, "WITHSCORES"]));
  const entries = (await client.command(["XRANGE", timeIndex!, "-", "+"])) as [string, string[]][];
  const expectedCounts = new Map<string, string>();
  let counted = 0;
  for (const [sid, fields] of entries) {
    const [ms, seq] = sid.split("-");
    const base36 = (n: string, width: number) => Number(n).toString(36).padStart(width, "0");
    const batch = base36(ms!, 9) + base36(seq!, 4);
    const listed = fields[1]!.split("\n");
    const live = listed.filter((id, k) => {
      const place = listed.length === 1 ? 0 : k + 1;
      return stored.get(id)?.startsWith(batch + place.toString(36).padStart(3, "0"));
    }).length;
    expect(live, sid).toBeGreaterThan(0);
    if (listed.length > 1) expectedCounts.set(batch, String(live));
    counted += live;
  }
  expect(counted).toBe(stored.size);
  expect(counts).toEqual(expectedCounts);
}
