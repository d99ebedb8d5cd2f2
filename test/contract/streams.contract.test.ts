/**
 * Contract: stream queues behave the same over TCP (blocking reads on pooled connections) and over
 * REST through the gateway (polling: the gateway refuses blocking commands).
 */
import { describe, expect, inject, it } from "vitest";
import {
  AbortedError,
  CommandError,
  type RedgeClient,
  RedgeError,
  ValidationError,
} from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import {
  AcquireTimeoutError,
  createStream,
  type StreamMessage,
  type StreamQueue,
} from "../../src/streams/index.js";
import { describeTransports } from "./transports.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function exists(client: RedgeClient, key: string): Promise<boolean> {
  return (await client.command(["EXISTS", key])) === 1;
}

describeTransports("stream queue", (t) => {
  let n = 0;
  /** A fresh queue (unique stream name) with its group created. */
  async function queue<T = unknown>(
    options: Partial<Parameters<typeof createStream>[2]> = {},
    client: RedgeClient = t.client,
  ): Promise<StreamQueue<T>> {
    const q = createStream<T>(client, t.key(`q${n++}`), { group: "g", ...options });
    await q.createGroup();
    return q;
  }

  describe("createGroup", () => {
    it("creates the group and the stream, and is idempotent", async () => {
      const q = createStream(t.client, t.key("create"), { group: "g" });
      expect(await exists(t.client, q.key)).toBe(false);
      expect(await q.createGroup()).toBe(true);
      expect(await q.createGroup()).toBe(false);
      expect(await exists(t.client, q.key)).toBe(true);
      const groups = (await t.client.command(["XINFO", "GROUPS", q.key])) as unknown[][];
      expect(groups).toHaveLength(1);
    });

    it("starts at 0 by default (existing messages are delivered) or at $ (only new ones)", async () => {
      const name = t.key("start");
      const first = createStream(t.client, name, { group: "from-zero" });
      const second = createStream(t.client, name, { group: "from-now" });
      await first.publish("old");
      await first.createGroup();
      await second.createGroup({ startId: "$" });
      await first.publish("new");
      expect((await first.receive({ consumer: "c" })).map((m) => m.data)).toEqual(["old", "new"]);
      expect((await second.receive({ consumer: "c" })).map((m) => m.data)).toEqual(["new"]);
    });

    it("sets the TTL when the queue has ttlMs", async () => {
      const q = await queue({ ttlMs: 60_000 });
      const ttl = Number(await t.client.command(["PTTL", q.key]));
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });
  });

  describe("publish", () => {
    it("publishes one message and resolves its id; any JSON value round-trips", async () => {
      const q = await queue();
      const values = [
        { a: 1, nested: { b: [1, "x", null] } },
        "text",
        42,
        true,
        null,
        [1, 2],
        "héllo 🌍",
      ];
      const ids: string[] = [];
      for (const v of values) ids.push(await q.publish(v));
      for (const id of ids) expect(id).toMatch(/^\d+-\d+$/);
      const got = await q.receive({ consumer: "c", count: 100 });
      expect(got.map((m) => m.id)).toEqual(ids);
      expect(got.map((m) => m.data)).toEqual(values);
      expect(got.every((m) => m.deliveries === 1)).toBe(true);
    });

    it("publishes many messages in order, and an array message stays one message", async () => {
      const q = await queue();
      const ids = await q.publishMany([1, 2, [3, 4]]);
      expect(ids).toHaveLength(3);
      expect([...ids].sort()).toEqual(ids);
      expect(await q.publishMany([])).toEqual([]);
      const got = await q.receive({ consumer: "c", count: 10 });
      expect(got.map((m) => m.data)).toEqual([1, 2, [3, 4]]);
      expect(await q.length()).toBe(3);
    });

    it("trims to about maxLen (MAXLEN ~): stream option and per-call override", async () => {
      const q = await queue({ maxLen: 100 });
      await q.publishMany(Array.from({ length: 2_500 }, (_, i) => i));
      const len = await q.length();
      // Approximate trimming removes whole radix-tree nodes (100 entries by default).
      expect(len).toBeGreaterThanOrEqual(100);
      expect(len).toBeLessThan(400);

      const other = await queue();
      await other.publishMany(Array.from({ length: 1_500 }, (_, i) => i));
      expect(await other.length()).toBe(1_500);
      await other.publishMany(
        Array.from({ length: 500 }, (_, i) => i),
        { maxLen: 10 },
      );
      expect(await other.length()).toBeLessThan(300);
    });

    it("refreshes the TTL when the queue has ttlMs", async () => {
      const q = createStream(t.client, t.key("ttl-publish"), { group: "g", ttlMs: 30_000 });
      await q.publish("x");
      const ttl = Number(await t.client.command(["PTTL", q.key]));
      expect(ttl).toBeGreaterThan(20_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
    });
  });

  describe("receive", () => {
    it("returns at most count messages, then the rest, then nothing", async () => {
      const q = await queue<number>();
      await q.publishMany([1, 2, 3, 4, 5]);
      expect((await q.receive({ consumer: "c", count: 2 })).map((m) => m.data)).toEqual([1, 2]);
      expect((await q.receive({ consumer: "c", count: 10 })).map((m) => m.data)).toEqual([3, 4, 5]);
      expect(await q.receive({ consumer: "c" })).toEqual([]);
    });

    it("refreshes the TTL of the stream and its dead letters, as STEP's receive_message", async () => {
      const pttl = async (key: string) => Number(await t.client.command(["PTTL", key]));
      const q = await queue<string>({ ttlMs: 60_000, maxDeliveries: 1 });
      await q.publishMany(["a", "b"]);
      await t.client.command(["XADD", q.deadLetterKey, "*", "d", '"old"']);
      // Time passes: the TTLs are short now (set by hand, no waiting needed).
      await t.client.command(["PEXPIRE", q.key, 5_000]);
      await t.client.command(["PEXPIRE", q.deadLetterKey, 5_000]);
      expect(await q.receive({ consumer: "c", count: 1 })).toHaveLength(1);
      for (const key of [q.key, q.deadLetterKey]) {
        expect(await pttl(key)).toBeGreaterThan(50_000);
        expect(await pttl(key)).toBeLessThanOrEqual(60_000);
      }
      // An empty receive refreshes it too: consumers keep a quiet stream alive.
      await q.receive({ consumer: "c", count: 10 });
      await t.client.command(["PEXPIRE", q.key, 5_000]);
      expect(await q.receive({ consumer: "c" })).toEqual([]);
      expect(await pttl(q.key)).toBeGreaterThan(50_000);
      // The seed's receive_message(…, ttl_seconds): a per-call TTL wins over the queue's.
      await q.receive({ consumer: "c", ttlMs: 120_000 });
      expect(await pttl(q.key)).toBeGreaterThan(110_000);
      // Waiting (TCP: a blocking read; REST: polling) refreshes it as well.
      await t.client.command(["PEXPIRE", q.key, 5_000]);
      expect(await q.receive({ consumer: "c", blockMs: 50 })).toEqual([]);
      expect(await pttl(q.key)).toBeGreaterThan(50_000);

      // Without a TTL anywhere, a receive leaves the stream persistent.
      const plain = await queue<string>();
      await plain.publish("x");
      await plain.receive({ consumer: "c" });
      expect(await pttl(plain.key)).toBe(-1);
      await expect(plain.receive({ consumer: "c", ttlMs: 0 })).rejects.toThrow(/options\.ttlMs/);
    });

    it("defaults to 10 messages", async () => {
      const q = await queue();
      await q.publishMany(Array.from({ length: 15 }, (_, i) => i));
      expect(await q.receive({ consumer: "c" })).toHaveLength(10);
    });

    it("reads entries written by other tools (several fields, non-JSON)", async () => {
      const q = await queue();
      await t.client.command(["XADD", q.key, "*", "a", "1", "b", "two"]);
      await t.client.command(["XADD", q.key, "*", "d", "not json"]);
      const got = await q.receive({ consumer: "c" });
      expect(got.map((m) => m.data)).toEqual([{ a: "1", b: "two" }, "not json"]);
    });

    it("wakes up when a message is published while it waits", async () => {
      const q = await queue();
      const started = performance.now();
      const waiting = q.receive({ consumer: "c", blockMs: 20_000 });
      // Most likely waiting by then; published earlier, the message is read at once: same reply.
      await sleep(150);
      const id = await q.publish({ hello: "world" });
      const got = await waiting;
      expect(got).toEqual([{ id, data: { hello: "world" }, deliveries: 1 }]);
      // Woken by the message, long before its blockMs (a generous bound, whatever the load).
      expect(performance.now() - started).toBeLessThan(15_000);
    });

    it("returns [] once blockMs has passed with nothing to read", async () => {
      const q = await queue();
      const started = performance.now();
      expect(await q.receive({ consumer: "c", blockMs: 400 })).toEqual([]);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(390);
      // It returns: a generous bound, far above any plausible delay of a loaded machine.
      expect(elapsed).toBeLessThan(15_000);
    });

    it("stops waiting when its signal fires", async () => {
      const q = await queue();
      const controller = new AbortController();
      const started = performance.now();
      const waiting = q.receive({ consumer: "c", blockMs: 30_000, signal: controller.signal });
      setTimeout(() => controller.abort(), 150);
      await expect(waiting).rejects.toBeInstanceOf(AbortedError);
      expect(performance.now() - started).toBeLessThan(15_000);
      // The queue still works afterwards (on TCP the blocked connection was dropped, not reused).
      // Until Redis has seen that connection close, a message published now may be handed to
      // the abandoned read and wait in the PEL: then a receive that reclaims gets it (at least
      // once). Either way the next receives deliver it, whenever Redis notices the close.
      await q.publish("after");
      let got: StreamMessage[] = [];
      for (let i = 0; i < 50 && got.length === 0; i++) {
        got = await q.receive({ consumer: "c", blockMs: 200, claimIdleMs: 1 });
      }
      expect(got.map((m) => m.data)).toEqual(["after"]);
    });

    it("reclaims messages left idle longer than claimIdleMs, with their delivery count", async () => {
      const q = await queue();
      const ids = await q.publishMany(["a", "b", "c"]);
      expect(await q.receive({ consumer: "dies", count: 2 })).toHaveLength(2);
      // Not idle long enough yet (a minute, however slow the machine): only the new one comes.
      const early = await q.receive({ consumer: "lives", count: 10, claimIdleMs: 60_000 });
      expect(early.map((m) => m.id)).toEqual([ids[2]]);
      // Idle 300 ms for sure once 350 ms have passed since they were delivered.
      await sleep(350);
      const late = await q.receive({ consumer: "lives", count: 10, claimIdleMs: 300 });
      expect(late).toEqual([
        { id: ids[0], data: "a", deliveries: 2 },
        { id: ids[1], data: "b", deliveries: 2 },
        // Its own message idle too: reclaimed by itself (a receive after a crash and restart).
        { id: ids[2], data: "c", deliveries: 2 },
      ]);
      const summary = await q.pending();
      expect(summary.consumers).toEqual({ lives: 3 });
    });

    it("rejects with Redis' NOGROUP error when the group does not exist", async () => {
      const q = createStream(t.client, t.key("nogroup"), { group: "missing" });
      const error = await q.receive({ consumer: "c" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandError);
      expect((error as CommandError).prefix).toBe("NOGROUP");
    });
  });

  describe("ack and pending", () => {
    it("acks ids once, and pending reports what is left per consumer", async () => {
      const q = await queue();
      const ids = await q.publishMany(["a", "b", "c", "d"]);
      await q.receive({ consumer: "c1", count: 3 });
      await q.receive({ consumer: "c2", count: 3 });
      expect(await q.pending()).toEqual({
        count: 4,
        smallestId: ids[0],
        largestId: ids[3],
        consumers: { c1: 3, c2: 1 },
      });
      expect(await q.ack([ids[0]!, ids[1]!])).toBe(2);
      expect(await q.ack(ids[0]!)).toBe(0);
      expect(await q.ack([])).toBe(0);
      expect(await q.pending()).toEqual({
        count: 2,
        smallestId: ids[2],
        largestId: ids[3],
        consumers: { c1: 1, c2: 1 },
      });
      await q.ack(ids);
      expect(await q.pending()).toEqual({
        count: 0,
        smallestId: null,
        largestId: null,
        consumers: {},
      });
    });

    it("lists pending messages with owner, idle time and deliveries; filters and pages", async () => {
      const q = await queue();
      const ids = await q.publishMany(["a", "b", "c"]);
      await q.receive({ consumer: "c1", count: 2 });
      await q.receive({ consumer: "c2", count: 1 });
      const all = await q.pendingMessages();
      expect(all.map((p) => [p.id, p.consumer, p.deliveries])).toEqual([
        [ids[0], "c1", 1],
        [ids[1], "c1", 1],
        [ids[2], "c2", 1],
      ]);
      expect(all.every((p) => p.idleMs >= 0)).toBe(true);
      expect((await q.pendingMessages({ consumer: "c2" })).map((p) => p.id)).toEqual([ids[2]]);
      expect((await q.pendingMessages({ count: 1 })).map((p) => p.id)).toEqual([ids[0]]);
      expect((await q.pendingMessages({ after: ids[0] })).map((p) => p.id)).toEqual([
        ids[1],
        ids[2],
      ]);
      expect(await q.pendingMessages({ minIdleMs: 60_000 })).toEqual([]);
    });
  });

  describe("dead letters", () => {
    it("moves a message delivered maxDeliveries times to the dead letters and acks it", async () => {
      const q = await queue<{ job: number }>({ maxDeliveries: 2 });
      const [id] = await q.publishMany([{ job: 1 }]);
      const ok = await q.publish({ job: 2 });
      expect((await q.receive({ consumer: "c1", count: 1 }))[0]).toMatchObject({
        id,
        deliveries: 1,
      });
      await sleep(60);
      const second = await q.receive({ consumer: "c2", count: 1, claimIdleMs: 50 });
      expect(second).toEqual([{ id, data: { job: 1 }, deliveries: 2 }]);
      await sleep(60);
      // A third delivery would exceed maxDeliveries: it goes to the dead letters; the new one comes.
      const third = await q.receive({ consumer: "c3", count: 1, claimIdleMs: 50 });
      expect(third.map((m) => m.id)).toEqual([ok]);
      const dead = await q.deadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        messageId: id,
        data: { job: 1 },
        group: "g",
        consumer: "c3",
        deliveries: 2,
      });
      expect(dead[0]!.deadAt).toBeGreaterThan(Date.now() - 60_000);
      const pending = await q.pendingMessages();
      expect(pending.map((p) => p.id)).toEqual([ok]);
      // Paging and deletion.
      expect(await q.deadLetters({ after: dead[0]!.id })).toEqual([]);
      expect(await q.deleteDeadLetters(dead[0]!.id)).toBe(1);
      expect(await q.deadLetters()).toEqual([]);
    });

    it("keeps the dead letters in the stream's hash slot (same hash tag)", async () => {
      const q = await queue();
      const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
      expect(q.key).toBe(`st:{${q.name}}`);
      expect(q.deadLetterKey).toBe(`st:{${q.name}}:dead`);
      expect(tag(q.deadLetterKey)).toBe(tag(q.key));
    });
  });

  describe("touch", () => {
    it("sets the TTL of the stream and of its dead letters", async () => {
      const q = await queue({ maxDeliveries: 1 });
      await q.publish("x");
      await q.receive({ consumer: "c" });
      await sleep(30);
      await q.receive({ consumer: "c", claimIdleMs: 20 }); // dead-letters it
      expect(await q.touch(45_000)).toBe(true);
      for (const key of [q.key, q.deadLetterKey]) {
        const ttl = Number(await t.client.command(["PTTL", key]));
        expect(ttl).toBeGreaterThan(40_000);
        expect(ttl).toBeLessThanOrEqual(45_000);
      }
    });

    it("uses the queue's ttlMs by default, and needs one", async () => {
      const withTtl = await queue({ ttlMs: 20_000 });
      await t.client.command(["PERSIST", withTtl.key]);
      expect(await withTtl.touch()).toBe(true);
      expect(Number(await t.client.command(["PTTL", withTtl.key]))).toBeGreaterThan(15_000);
      const without = await queue();
      await expect(without.touch()).rejects.toThrow(/ttlMs/);
      await expect(without.touch(0)).rejects.toBeInstanceOf(ValidationError);
    });

    it("resolves false when the stream does not exist", async () => {
      const q = createStream(t.client, t.key("touch-missing"), { group: "g" });
      expect(await q.touch(1_000)).toBe(false);
    });
  });

  describe("keys and validation", () => {
    it("builds its keys through the client's key prefix", async () => {
      const prefixed = t.makeClient({ keyPrefix: "tenant-a:" });
      const q = createStream(prefixed, t.key("prefixed"), { group: "g" });
      expect(q.key).toBe(`tenant-a:st:{${t.key("prefixed")}}`);
      await q.publish(1);
      expect(await exists(t.client, q.key)).toBe(true);
    });

    it("rejects bad input naming the field, and writes nothing", async () => {
      const bad = (fn: () => unknown, field: RegExp) =>
        expect(Promise.resolve().then(fn)).rejects.toSatisfy(
          (e: unknown) => e instanceof ValidationError && field.test(e.message),
        );
      await bad(() => createStream(t.client, "a{b}", { group: "g" }), /name/);
      await bad(() => createStream(t.client, "", { group: "g" }), /name/);
      await bad(() => createStream(t.client, "ok", { group: "" }), /options\.group/);
      await bad(() => createStream(t.client, "ok", { group: "g", maxLen: 0 }), /options\.maxLen/);
      await bad(() => createStream(t.client, "ok", { group: "g", ttlMs: 1.5 }), /options\.ttlMs/);
      await bad(
        () => createStream(t.client, "ok", { group: "g", maxDeliveries: 0 }),
        /options\.maxDeliveries/,
      );
      await bad(() => createStream(t.client, "ok", { group: "g", nope: 1 } as never), /options/);

      const q = createStream(t.client, t.key("validated"), { group: "g" });
      await bad(() => q.createGroup({ startId: "nope" as never }), /options\.startId/);
      await bad(() => q.publish(undefined), /messages\.0/);
      await bad(() => q.publishMany([1, () => 2]), /messages\.1/);
      await bad(() => q.publishMany("x" as never), /messages/);
      await bad(() => q.publish(1, { maxLen: -1 }), /options\.maxLen/);
      await bad(() => q.receive({ consumer: "bad\u0001" }), /options\.consumer/);
      await bad(() => q.receive({ consumer: "c", count: 0 }), /options\.count/);
      await bad(() => q.receive({ consumer: "c", count: 1_001 }), /options\.count/);
      await bad(() => q.receive({ consumer: "c", blockMs: -1 }), /options\.blockMs/);
      await bad(() => q.receive({ consumer: "c", claimIdleMs: 0 }), /options\.claimIdleMs/);
      await bad(() => q.receive({ consumer: "c", signal: {} as never }), /options\.signal/);
      await bad(() => q.ack(["1-0", "nope"]), /ids\.1/);
      await bad(() => q.pendingMessages({ count: 5_000 }), /options\.count/);
      await bad(() => q.deadLetters({ after: "x" }), /options\.after/);
      expect(await exists(t.client, q.key)).toBe(false);
    });
  });

  describe("at-least-once with a dying consumer", () => {
    it("3 consumers, 5,000 messages, one dies holding messages: all acked exactly once", async () => {
      const total = 5_000;
      const name = t.key("crash");
      const producer = createStream<number>(t.client, name, { group: "workers" });
      await producer.createGroup();
      const published = await producer.publishMany(Array.from({ length: total }, (_, i) => i));
      expect(new Set(published).size).toBe(total);

      const ackCalls = new Map<string, number>();
      let acked = 0;
      const handle = async (q: StreamQueue<number>, messages: StreamMessage<number>[]) => {
        for (const m of messages) ackCalls.set(m.id, (ackCalls.get(m.id) ?? 0) + 1);
        // Not `acked += await …`: that reads `acked` before the await and loses concurrent updates.
        const count = await q.ack(messages.map((m) => m.id));
        acked += count;
      };
      const claimIdleMs = 1_000;

      // The consumer that dies: works a little, then takes a batch and is gone without acking.
      const doomedClient = t.makeClient();
      const doomed = createStream<number>(doomedClient, name, { group: "workers" });
      for (let i = 0; i < 3; i++)
        await handle(doomed, await doomed.receive({ consumer: "doomed", count: 100 }));
      const orphaned = await doomed.receive({ consumer: "doomed", count: 150 });
      expect(orphaned).toHaveLength(150);
      await doomedClient.close();

      const reclaimed: StreamMessage<number>[] = [];
      const work = async (consumer: string) => {
        const q = createStream<number>(t.makeClient(), name, { group: "workers" });
        const deadline = Date.now() + 25_000;
        while (acked < total && Date.now() < deadline) {
          const messages = await q.receive({ consumer, count: 100, blockMs: 200, claimIdleMs });
          reclaimed.push(...messages.filter((m) => m.deliveries > 1));
          await handle(q, messages);
        }
      };
      await Promise.all([work("alive-1"), work("alive-2")]);

      expect(acked).toBe(total);
      expect([...ackCalls.keys()].sort()).toEqual([...published].sort());
      expect([...ackCalls.values()].every((count) => count === 1)).toBe(true);
      expect(new Set(reclaimed.map((m) => m.id))).toEqual(new Set(orphaned.map((m) => m.id)));
      expect((await producer.pending()).count).toBe(0);
      expect(await producer.deadLetters()).toEqual([]);
    });
  });

  if (t.transport === "tcp") {
    describe("blocking on pooled connections (TCP)", () => {
      /** Resolves once every pooled connection of `client` is held (a probe that may not wait fails). */
      const poolFull = async (client: RedgeClient) => {
        for (;;) {
          const probe = await client
            .withDedicatedConnection(async () => "free", { acquireTimeoutMs: 0 })
            .catch((e: unknown) => e);
          if (probe instanceof AcquireTimeoutError) return;
          await sleep(10);
        }
      };

      it("a receive that finds no connection free polls instead of failing or queueing", async () => {
        const client = createNodeClient({ url: inject("redisUrl"), maxConnections: 1 });
        try {
          const a = await queue({}, client);
          const b = await queue({}, client);
          const holder = a.receive({ consumer: "c1", blockMs: 20_000 });
          await poolFull(client);
          // B cannot block (the one connection is A's): it polls, and gets its message.
          const started = performance.now();
          const waiting = b.receive({ consumer: "c2", blockMs: 20_000 });
          await b.publish("for b");
          expect((await waiting).map((m) => m.data)).toEqual(["for b"]);
          // Well before its blockMs (a generous bound: polls are at most 200 ms apart).
          expect(performance.now() - started).toBeLessThan(10_000);
          // Nothing to read and no connection: it answers [] at its blockMs, it does not fail.
          expect(await b.receive({ consumer: "c2", blockMs: 300 })).toEqual([]);
          // The holder is unaffected and the connection is reused once free.
          await a.publish("x");
          expect((await holder).map((m) => m.data)).toEqual(["x"]);
          await a.publish("y");
          expect((await a.receive({ consumer: "c2", blockMs: 500 })).map((m) => m.data)).toEqual([
            "y",
          ]);
        } finally {
          await client.close();
        }
      });

      it("does not stall other commands of the same client while blocked", async () => {
        const client = createNodeClient({ url: inject("redisUrl"), maxConnections: 1 });
        try {
          const q = await queue({}, client);
          let settled = false;
          const waiting = q.receive({ consumer: "c", blockMs: 20_000 }).finally(() => {
            settled = true;
          });
          await poolFull(client);
          expect(await client.command(["PING"])).toBe("PONG");
          // PING came back while the receive was still blocked, not after it.
          expect(settled).toBe(false);
          await q.publish("done");
          expect((await waiting).map((m) => m.data)).toEqual(["done"]);
        } finally {
          await client.close();
        }
      });

      it("blocks receives of different streams at once, up to maxConnections", async () => {
        const client = createNodeClient({ url: inject("redisUrl"), maxConnections: 3 });
        try {
          const queues = await Promise.all([1, 2, 3].map(() => queue({}, client)));
          const waits = queues.map((q, i) => q.receive({ consumer: `c${i}`, blockMs: 20_000 }));
          await poolFull(client);
          await Promise.all(queues.map((q, i) => q.publish(`m${i}`)));
          const got = (await Promise.all(waits)).map((messages) => messages.map((m) => m.data));
          expect(got).toEqual([["m0"], ["m1"], ["m2"]]);
        } finally {
          await client.close();
        }
      });
    });
  } else {
    describe("polling (REST)", () => {
      it("has no dedicated connections: blocking receives poll instead", async () => {
        const error = await t.client
          .withDedicatedConnection(async () => 1)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RedgeError);
        expect((error as RedgeError).code).toBe("config");
      });
    });
  }
});
