/**
 * Contract: the priority stream as a job queue — delayed items, retries with backoff and dead
 * letters, limits across consumers, events — behaves the same over TCP and over REST (through the
 * project's gateway), and on a Cluster (test/ha/cluster-contract.test.ts imports this file).
 *
 * Time is the server's: a test that needs an item to be due waits until Redis' own clock (TIME)
 * has passed the due time, never for a fixed sleep. Leases are generous unless a test is about a
 * lease running out, and then it waits for the server's clock to pass the deadline.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/index.js";
import {
  eventsKey,
  type JsonValue,
  type PriorityStream,
  priorityKeys,
  priorityStream,
  StreamOptionsMismatchError,
} from "../../src/priority/index.js";
import { serverMs, untilServerTime } from "./server-time.js";
import { describeTransports } from "./transports.js";

const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);

describeTransports("priority stream jobs", (t) => {
  let counter = 0;
  const fresh = (label: string) => t.key(`psj-${label}-${++counter}`);
  const open = <T = JsonValue>(label: string) => priorityStream<T>(t.client, fresh(label));

  describe("delayed items", () => {
    it("stay invisible to pull, peek, gate and size until due, then are served", async () => {
      const s = open("delay");
      const before = await serverMs(t.client);
      await s.add("later", "L", 10, { delayMs: 400 });
      await s.add("now", "N", 1);
      const delayed = await s.get("later");
      expect(delayed).toMatchObject({ id: "later", data: "L", priority: 10, leasedUntil: null });
      expect(delayed!.enqueuedAt).toBeGreaterThanOrEqual(before + 400);
      const due = delayed!.enqueuedAt;

      if ((await serverMs(t.client)) < due) {
        expect(ids(await s.pull({ count: 5, purge: false }))).toEqual(["now"]);
        await s.setGate(5);
        expect(ids(await s.pull({ count: 5, purge: false, gate: true }))).toEqual([]);
        expect(await s.size()).toEqual({ ready: 1, leased: 0 });
        expect((await s.info()).delayed).toBe(1);
      }
      await untilServerTime(t.client, due);
      // Due: a peek already shows it (no pull has promoted it yet), by priority.
      expect(ids(await s.pull({ count: 5, purge: false }))).toEqual(["later", "now"]);
      expect(await s.size()).toEqual({ ready: 2, leased: 0 });
      const [leased] = await s.pull({ leaseMs: 60_000, gate: true });
      expect(leased).toMatchObject({ id: "later", enqueuedAt: due, attempts: 1 });
      expect((await s.info()).delayed).toBe(0);
      expect(ids(await s.pull({ count: 5 }))).toEqual(["now"]);
    });

    it("serve equal priorities first-in first-out by due time", async () => {
      const s = open("due-fifo");
      const start = await serverMs(t.client);
      await s.add("d2", 2, 1, { delayMs: 600 });
      await s.add("d1", 1, 1, { runAt: start + 300 });
      await s.add("hi", 0, 5, { delayMs: 700 });
      await untilServerTime(t.client, start + 300);
      // Added after d1 was due: it comes after d1 (and before d2 unless the machine stalled long
      // enough for d2 to be due first: the order below follows the server's times either way).
      await s.add("n", 3, 1);
      const times = new Map<string, number>();
      for (const id of ["d2", "d1", "hi", "n"]) times.set(id, (await s.get(id))!.enqueuedAt);
      await untilServerTime(t.client, Math.max(...times.values()));
      expect(times.get("d1")).toBe(start + 300);
      expect(times.get("n")).toBeGreaterThanOrEqual(start + 300);
      const expected = ["d1", "d2", "n"].sort((a, b) => times.get(a)! - times.get(b)!);
      expect(ids(await s.pull({ count: 10, purge: false }))).toEqual(["hi", ...expected]);
      expect(ids(await s.pull({ count: 10 }))).toEqual(["hi", ...expected]);
    });

    it("take a due time per item in addMany; a past one is now; an existing id keeps its state", async () => {
      const s = open("due-many");
      const now = await serverMs(t.client);
      expect(
        await s.addMany([
          { id: "a", data: "A", priority: 1, delayMs: 60_000 },
          { id: "b", data: "B", priority: 1, runAt: now - 1_000 },
          { id: "c", data: "C", priority: 1 },
          { id: "a", data: "A2", priority: 2, delayMs: 0 },
        ]),
      ).toEqual({ added: 3, existing: 1 });
      expect(ids(await s.pull({ count: 5, purge: false }))).toEqual(["b", "c"]);
      expect(await s.get("a")).toMatchObject({ data: "A2", priority: 2 });
      // An existing ready item stays ready: the delay applies to new ids only.
      expect(await s.add("b", "B2", 1, { delayMs: 60_000 })).toEqual({
        added: false,
        priority: 1,
      });
      expect(ids(await s.pull({ count: 5, purge: false }))).toEqual(["b", "c"]);
      expect((await s.info()).delayed).toBe(1);
    });

    it("are promoted at most 10,000 per call, in due order; the next call takes the rest", async () => {
      const s = open("promote-bound");
      const runAt = (await serverMs(t.client)) + 3_600_000;
      const items = Array.from({ length: 10_050 }, (_, i) => ({
        id: `d${i}`,
        data: i,
        priority: 1,
      }));
      await s.addMany(items.map((item) => ({ ...item, runAt })));
      const keys = priorityKeys(t.client, s.name);
      const [ready, delayed] = [keys[0]!, keys[7]!];
      expect(await t.client.command(["ZCARD", delayed])).toBe(10_050);
      // All due at once without waiting the hour: their due times (the delayed set's scores) become
      // 0, and the last 50 are made later than the rest so the first call must leave exactly them.
      await t.client.command(["ZUNIONSTORE", delayed, "1", delayed, "WEIGHTS", "0"]);
      const last = (await t.client.command(["ZRANGE", delayed, "-50", "-1"])) as string[];
      await t.client.command(["ZADD", delayed, ...last.flatMap((member) => ["1", member])]);

      expect(ids(await s.pull({ count: 1 }))).toHaveLength(1);
      expect(await t.client.command(["ZCARD", delayed])).toBe(50);
      expect(await t.client.command(["ZCARD", ready])).toBe(9_999);
      expect(await t.client.command(["ZRANGE", delayed, "0", "-1"])).toEqual(last);

      expect(ids(await s.pull({ count: 1 }))).toHaveLength(1);
      expect(await t.client.command(["ZCARD", delayed])).toBe(0);
      expect(await t.client.command(["ZCARD", ready])).toBe(10_048);
      expect((await s.info()).delayed).toBe(0);
    });

    it("can be incremented, replaced, removed, deleted below a threshold and cleared", async () => {
      const s = open("due-ops");
      await s.addMany([
        { id: "a", data: 0, priority: 1, delayMs: 60_000 },
        { id: "b", data: 0, priority: 5, delayMs: 60_000 },
        { id: "c", data: 0, priority: 3, delayMs: 60_000 },
        { id: "r", data: 0, priority: 3 },
      ]);
      expect(await s.increment("a", 2)).toBe(3);
      expect(await s.add("a", "new", 4, { ifExists: "increment" })).toEqual({
        added: false,
        priority: 7,
      });
      await s.decrementAll(1);
      expect(await s.get("a")).toMatchObject({ priority: 6, data: "new" });
      expect(await s.deleteBelow(3)).toEqual(["r", "c"]);
      expect(await s.remove(["b", "zz"])).toEqual(["b"]);
      expect((await s.info()).delayed).toBe(1);
      expect(await s.clear()).toBe(1);
      expect((await s.info()).delayed).toBe(0);
      expect(await s.get("a")).toBeNull();
    });
  });

  describe("retries and dead letters", () => {
    it("nack returns an item at once, in its place, and counts the attempt", async () => {
      const s = open("nack");
      await s.addMany([
        { id: "a", data: "A", priority: 1 },
        { id: "b", data: "B", priority: 1 },
      ]);
      const [first] = await s.pull({ leaseMs: 60_000 });
      expect(first).toMatchObject({ id: "a", attempts: 1 });
      expect(await s.get("a")).toMatchObject({ attempts: 1 });
      expect(await s.nack(["a", "b", "nope"])).toEqual({ retried: ["a"], deadLettered: [] });
      expect(await s.get("a")).toMatchObject({ attempts: 1, leasedUntil: null });
      const again = await s.pull({ count: 2, leaseMs: 60_000 });
      expect(again.map((i) => [i.id, i.attempts])).toEqual([
        ["a", 2],
        ["b", 1],
      ]);
      // Only that lease, when its deadline is given.
      expect(await s.nack([{ id: "a", leasedUntil: first!.leasedUntil! }])).toEqual({
        retried: [],
        deadLettered: [],
      });
      expect(await s.ack(["a", "b"])).toEqual(["a", "b"]);
      expect(await s.get("a")).toBeNull();
    });

    it("never gives two leases of an item the same deadline, the token nack and ack check", async () => {
      const s = open("fence");
      await s.add("a", "A", 1);
      // Lease and nack in quick succession: leases in the same ms must still differ.
      const tokens: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [item] = await s.pull({ leaseMs: 60_000 });
        tokens.push(item!.leasedUntil!);
        expect(await s.nack(["a"])).toEqual({ retried: ["a"], deadLettered: [] });
      }
      expect(new Set(tokens).size).toBe(20);
      const retired = priorityKeys(t.client, s.name)[15]!;
      expect(await t.client.command(["ZSCORE", retired, tokens[19]!])).not.toBeNull();
      // The key expires with its last token.
      expect(await t.client.command(["PEXPIRETIME", retired])).toBe(Math.max(...tokens));

      // Retire every ms a 60 s lease granted in the next 2 s could end at: the lease ends later.
      const now = await serverMs(t.client);
      const taken: number[] = [];
      for (let ms = now + 59_990; ms < now + 62_000; ms++) taken.push(ms, ms);
      await t.client.command(["ZADD", retired, ...taken]);
      const [item] = await s.pull({ leaseMs: 60_000 });
      expect(item!.leasedUntil).toBeGreaterThanOrEqual(now + 62_000);
      for (const token of tokens) {
        expect(await s.nack([{ id: "a", leasedUntil: token }])).toEqual({
          retried: [],
          deadLettered: [],
        });
      }
      expect(await s.ack([{ id: "a", leasedUntil: item!.leasedUntil! }])).toEqual(["a"]);
    });

    it("moves an item to the dead letters after maxAttempts, with its last reason", async () => {
      const name = fresh("dead");
      const s = t.client.priority(name, { maxAttempts: 2 });
      await s.add("job", { n: 1 }, 7);
      await s.pull({ leaseMs: 60_000 });
      expect(await s.nack(["job"], { reason: "first" })).toEqual({
        retried: ["job"],
        deadLettered: [],
      });
      const [second] = await s.pull({ leaseMs: 60_000 });
      expect(second?.attempts).toBe(2);
      const before = await serverMs(t.client);
      expect(await s.nack(["job"], { reason: "boom: bad input" })).toEqual({
        retried: [],
        deadLettered: ["job"],
      });
      expect(await s.get("job")).toBeNull();
      expect(await s.size()).toEqual({ ready: 0, leased: 0 });
      const [letter] = await s.deadLetters();
      expect(letter).toMatchObject({
        id: "job",
        data: { n: 1 },
        priority: 7,
        attempts: 2,
        reason: "boom: bad input",
      });
      expect(letter!.deadAt).toBeGreaterThanOrEqual(before);
      expect((await s.info()).deadLetters).toBe(1);

      // Requeued: a new item, attempts from 0; an id in the stream again is not requeued.
      expect(await s.requeueDeadLetters(["job", "other"])).toEqual(["job"]);
      expect(await s.deadLetters()).toEqual([]);
      const [back] = await s.pull({ leaseMs: 60_000 });
      expect(back).toMatchObject({ id: "job", data: { n: 1 }, priority: 7, attempts: 1 });
      await s.nack(["job"]);
      await s.pull({ leaseMs: 60_000 });
      expect((await s.nack(["job"])).deadLettered).toEqual(["job"]);
      await s.add("job", "again", 1);
      expect(await s.requeueDeadLetters(["job"])).toEqual([]);
      expect(await s.deleteDeadLetters(["job", "job", "zz"])).toEqual(["job"]);
      expect(await s.deadLetters()).toEqual([]);
    });

    it("waits the backoff (fixed, exponential with a cap, jitter) or the given delay", async () => {
      const name = fresh("backoff");
      const s = t.client.priority(name, {
        maxAttempts: 10,
        backoff: { type: "exponential", delayMs: 200, maxDelayMs: 500 },
      });
      await s.add("a", "A", 1);
      const dues: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const [item] = await s.pull({ leaseMs: 60_000 });
        expect(item?.attempts).toBe(attempt);
        const before = await serverMs(t.client);
        await s.nack(["a"]);
        const after = await serverMs(t.client);
        const waiting = await s.get("a");
        const expected = Math.min(500, 200 * 2 ** (attempt - 1));
        expect(waiting!.enqueuedAt).toBeGreaterThanOrEqual(before + expected);
        expect(waiting!.enqueuedAt).toBeLessThanOrEqual(after + expected);
        dues.push(waiting!.enqueuedAt);
        if ((await serverMs(t.client)) < waiting!.enqueuedAt) {
          expect(await s.pull({ leaseMs: 60_000 })).toEqual([]);
        }
        await untilServerTime(t.client, waiting!.enqueuedAt);
      }
      // A given delay overrides the backoff; 0 returns it at once.
      await s.pull({ leaseMs: 60_000 });
      await s.nack(["a"], { delayMs: 0 });
      expect(ids(await s.pull({ leaseMs: 60_000 }))).toEqual(["a"]);

      const j = priorityStream(t.client, fresh("jitter"), {
        backoff: { type: "fixed", delayMs: 10_000, jitter: 0.5 },
      });
      await j.addMany(
        Array.from({ length: 20 }, (_, i) => ({ id: `j${i}`, data: i, priority: 0 })),
      );
      const leased = await j.pull({ count: 20, leaseMs: 60_000 });
      const before = await serverMs(t.client);
      await j.nack(ids(leased));
      const after = await serverMs(t.client);
      const waits = (await Promise.all(ids(leased).map((id) => j.get(id)))).map(
        (item) => item!.enqueuedAt,
      );
      for (const due of waits) {
        expect(due).toBeGreaterThanOrEqual(before + 5_000);
        expect(due).toBeLessThanOrEqual(after + 10_000);
      }
      expect(new Set(waits).size).toBeGreaterThan(1);
    });

    it("counts a lease that runs out as an attempt, and dead-letters it after maxAttempts", async () => {
      const name = fresh("lease-out");
      const s = t.client.priority(name, { maxAttempts: 2 });
      await s.add("a", "A", 1);
      const [first] = await s.pull({ leaseMs: 200 });
      await untilServerTime(t.client, first!.leasedUntil!);
      expect(await s.get("a")).toMatchObject({ leasedUntil: null, attempts: 0 });
      const [second] = await s.pull({ leaseMs: 200 });
      expect(second).toMatchObject({ id: "a", attempts: 2 });
      await untilServerTime(t.client, second!.leasedUntil!);
      // A peek and size already leave it out: the next pull will dead-letter it.
      expect(await s.pull({ purge: false })).toEqual([]);
      expect(await s.size()).toEqual({ ready: 0, leased: 0 });
      expect(await s.pull({ leaseMs: 200 })).toEqual([]);
      const [letter] = await s.deadLetters();
      expect(letter).toMatchObject({ id: "a", attempts: 2, reason: "lease expired" });
    });

    it("keeps the options with the stream: a mismatch rejects, setOptions changes them", async () => {
      const name = fresh("options");
      const first = t.client.priority(name, {
        maxAttempts: 3,
        backoff: { type: "fixed", delayMs: 100 },
      });
      await first.add("a", "A", 1);
      expect((await first.info()).options).toEqual({
        maxAttempts: 3,
        backoff: { type: "fixed", delayMs: 100 },
      });
      // Another client with the same options is fine; different ones are refused, nothing sent.
      const same = t.makeClient().priority(name, {
        maxAttempts: 3,
        backoff: { type: "fixed", delayMs: 100 },
      });
      expect(await same.size()).toEqual({ ready: 1, leased: 0 });
      const other = t.makeClient().priority(name, { maxAttempts: 5 });
      const error = await other.add("b", "B", 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamOptionsMismatchError);
      expect((error as StreamOptionsMismatchError).stored).toEqual({
        maxAttempts: 3,
        backoff: { type: "fixed", delayMs: 100 },
      });
      expect(await first.get("b")).toBeNull();
      await expect(other.pull()).rejects.toBeInstanceOf(StreamOptionsMismatchError);
      // The mismatched object itself may change them; its calls then run.
      const changer = t.makeClient().priority(name, { maxAttempts: 4 });
      await expect(changer.size()).rejects.toBeInstanceOf(StreamOptionsMismatchError);
      await changer.setOptions({ maxAttempts: 4 });
      expect(await changer.size()).toEqual({ ready: 1, leased: 0 });
      // Without options a client uses the stream's.
      await t.client.priority(name).setOptions({ maxAttempts: 5 });
      expect((await first.info()).options).toEqual({ maxAttempts: 5 });
      expect(await t.makeClient().priority(name, { maxAttempts: 5 }).size()).toEqual({
        ready: 1,
        leased: 0,
      });
      await t.client.priority(name).setOptions({});
      expect((await first.info()).options).toEqual({});
    });
  });

  describe("limits", () => {
    it("concurrency caps the items leased at once, and says when to try again", async () => {
      const s = open("concurrency");
      await s.addMany(Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, data: i, priority: 0 })));
      await s.setLimits({ concurrency: 2 });
      expect((await s.info()).limits).toEqual({ concurrency: 2 });
      const first = await s.pull({ count: 5, leaseMs: 60_000 });
      expect(ids(first)).toEqual(["i0", "i1"]);
      expect(first.retryAfterMs).toBeGreaterThan(0);
      expect(first.retryAfterMs).toBeLessThanOrEqual(60_000);
      const none = await s.pull({ leaseMs: 60_000 });
      expect(none).toEqual([]);
      expect(none.retryAfterMs).toBeGreaterThan(0);
      // A peek takes nothing: no limit. An ack frees a slot.
      expect(await s.pull({ count: 5, purge: false })).toHaveLength(4);
      await s.ack(["i0"]);
      const next = await s.pull({ count: 1, leaseMs: 60_000 });
      expect(ids(next)).toEqual(["i2"]);
      // Asked for no more than allowed: not limited.
      expect(next.retryAfterMs).toBeUndefined();
      await s.setLimits({});
      expect(ids(await s.pull({ count: 5, leaseMs: 60_000 }))).toEqual(["i3", "i4", "i5"]);
    });

    it("rate caps the items taken per window, leased or purged", async () => {
      const s = open("rate");
      await s.addMany(
        Array.from({ length: 10 }, (_, i) => ({ id: `i${i}`, data: i, priority: 0 })),
      );
      await s.setLimits({ rate: { max: 3, perMs: 500 } });
      const LEASE = 60_000;
      // Grant times by the server's clock: a lease's deadline minus the lease.
      const first = await s.pull({ count: 2, leaseMs: LEASE });
      expect(ids(first)).toEqual(["i0", "i1"]);
      const t1 = first[0]!.leasedUntil! - LEASE;
      const second = await s.pull({ count: 5, leaseMs: LEASE });
      const t2 = second[0]!.leasedUntil! - LEASE;
      if (t2 < t1 + 500) {
        // Two of three already taken in this window: one more, and when to try again.
        expect(ids(second)).toEqual(["i2"]);
        expect(second.retryAfterMs).toBeGreaterThan(0);
        expect(second.retryAfterMs).toBeLessThanOrEqual(500);
      } else {
        // The machine stalled past the first window: a whole new window's worth.
        expect(ids(second)).toEqual(["i2", "i3", "i4"]);
      }
      // Once both are out of the window, a purge pull takes a window's worth, and counts.
      await untilServerTime(t.client, t2 + 500);
      const before = await serverMs(t.client);
      const purged = await s.pull({ count: 5 });
      expect(purged).toHaveLength(3);
      const next = await s.pull({ count: 5 });
      if ((await serverMs(t.client)) < before + 500) {
        expect(next).toEqual([]);
        expect(next.retryAfterMs).toBeGreaterThan(0);
      }
      expect((await s.info()).limits).toEqual({ rate: { max: 3, perMs: 500 } });
    });
  });

  describe("schedules", () => {
    /** The ids of a schedule's occurrences in the stream (ready, leased or delayed). */
    const occurrences = async (s: PriorityStream, id: string) =>
      ((await t.client.command(["HKEYS", priorityKeys(t.client, s.name)[1]!])) as string[])
        .filter((key) => key.startsWith(`${id}@`))
        .sort();

    it("every: one occurrence at a time; taking it enqueues the next, a retry does not", async () => {
      const s = open("every");
      const before = await serverMs(t.client);
      const first = await s.schedule("tick", { n: 1 }, 5, { every: 300 });
      expect(first.nextAt! % 300).toBe(0);
      expect(first.nextAt).toBeGreaterThan(before);
      expect(first.id).toBe(`tick@${first.nextAt}`);
      // Scheduling again keeps the occurrence already there: no double.
      expect(await s.schedule("tick", { n: 1 }, 5, { every: 300 })).toEqual(first);
      expect(await occurrences(s, "tick")).toEqual([first.id]);
      expect(await s.schedules()).toEqual([
        { id: "tick", data: { n: 1 }, priority: 5, every: 300, nextAt: first.nextAt },
      ]);
      expect((await s.info()).schedules).toBe(1);

      await untilServerTime(t.client, first.nextAt!);
      const [taken] = await s.pull({ leaseMs: 300 });
      expect(taken).toMatchObject({ id: first.id, data: { n: 1 }, priority: 5, attempts: 1 });
      const [next] = await s.schedules();
      expect(next!.nextAt).toBeGreaterThan(first.nextAt!);
      expect(next!.nextAt! % 300).toBe(0);
      expect(await occurrences(s, "tick")).toEqual([first.id, `tick@${next!.nextAt}`].sort());
      // The consumer crashes: its lease runs out, the occurrence comes back for another attempt,
      // and taking it again enqueues nothing more.
      await untilServerTime(t.client, taken!.leasedUntil!);
      const retried = (await s.pull({ count: 5, leaseMs: 60_000 })).filter(
        (i) => i.id === first.id,
      );
      expect(retried).toHaveLength(1);
      expect(retried[0]!.attempts).toBe(2);
      expect((await occurrences(s, "tick")).length).toBeLessThanOrEqual(3);
      const [after] = await s.schedules();
      expect(after!.nextAt).toBeGreaterThanOrEqual(next!.nextAt!);
    });

    it("cron: occurrences at the expression's times; a pull tops up the stored times", async () => {
      const s = open("cron");
      const first = await s.schedule("report", "R", 1, { cron: "* * * * * *", tz: "Europe/Rome" });
      expect(first.nextAt! % 1_000).toBe(0);
      const [listed] = await s.schedules();
      expect(listed).toMatchObject({ id: "report", cron: "* * * * * *", tz: "Europe/Rome" });
      // Leave two stored times, so the pull below finds the schedule running low.
      const schedulesKey = priorityKeys(t.client, s.name)[14]!;
      const spec = JSON.parse(String(await t.client.command(["HGET", schedulesKey, "report"])));
      expect(spec.t.length).toBeGreaterThan(40);
      spec.t = spec.t.slice(0, 2);
      await t.client.command(["HSET", schedulesKey, "report", JSON.stringify(spec)]);

      await untilServerTime(t.client, first.nextAt!);
      const before = await serverMs(t.client);
      const [taken] = await s.pull();
      const pulledBy = await serverMs(t.client);
      expect(taken?.id).toBe(first.id);
      // The next second after the pull (first.nextAt + 1 s unless the machine stalled).
      const [after] = await s.schedules();
      expect(after!.nextAt! % 1_000).toBe(0);
      expect(after!.nextAt).toBeGreaterThan(Math.max(first.nextAt!, before));
      expect(after!.nextAt).toBeLessThanOrEqual(pulledBy + 1_000);
      const topped = JSON.parse(String(await t.client.command(["HGET", schedulesKey, "report"])));
      expect(topped.t.length).toBeGreaterThan(40);
      expect(topped.t.map(Number)).toEqual([...topped.t.map(Number)].sort((a, b) => a - b));
      expect(Number(topped.t[0])).toBe(after!.nextAt! + 1_000);
    });

    it("unschedule deletes the schedule and its waiting occurrence", async () => {
      const s = open("unschedule");
      await s.schedule("a", "A", 1, { every: 60_000 });
      await s.schedule("b", "B", 1, { cron: "0 0 1 1 *" });
      expect((await s.schedules()).map((x) => x.id)).toEqual(["a", "b"]);
      expect(await s.unschedule("a")).toBe(true);
      expect(await s.unschedule("a")).toBe(false);
      expect(await occurrences(s, "a")).toEqual([]);
      expect((await s.schedules()).map((x) => x.id)).toEqual(["b"]);
      expect(await s.unschedule("b")).toBe(true);
      expect(await s.info()).toMatchObject({ schedules: 0, delayed: 0 });
    });

    it("rejects bad schedules naming the field, and writes nothing", async () => {
      const name = fresh("schedule-invalid");
      const s = priorityStream(t.client, name);
      const cases: [unknown, RegExp][] = [
        [{}, /options\.every/],
        [{ every: 10, cron: "* * * * *" }, /options\.every/],
        [{ every: 0 }, /options\.every/],
        [{ cron: "61 * * * *" }, /options\.cron/],
        [{ cron: "* * * * *", tz: "Nowhere/Nothing" }, /options\.tz/],
        [{ every: 10, tz: "UTC" }, /options\.tz/],
      ];
      for (const [options, field] of cases) {
        const error = await s.schedule("x", 1, 1, options as never).catch((e: unknown) => e);
        expect(error, String(field)).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(field);
      }
      await expect(s.schedule("x".repeat(491), 1, 1, { every: 10 })).rejects.toThrow(/id/);
      await expect(s.unschedule("a{")).rejects.toThrow(/id/);
      expect(await t.client.command(["EXISTS", ...priorityKeys(t.client, name)])).toBe(0);
    });
  });

  describe("events", () => {
    it("records every lifecycle step, readable from any id, with a type", async () => {
      const name = fresh("events");
      const s = t.client.priority(name, { maxAttempts: 2 });
      await s.add("a", "A", 1);
      await s.pull({ leaseMs: 60_000 });
      await s.nack(["a"], { reason: "nope" });
      await s.pull({ leaseMs: 60_000 });
      await s.nack(["a"], { reason: "again" });
      // Added once nothing else pulls: nothing can promote it before the pull below.
      await s.add("d", "D", 1, { delayMs: 200 });
      const due = (await s.get("d"))!.enqueuedAt;
      await untilServerTime(t.client, due);
      const [d] = await s.pull({ leaseMs: 60_000 });
      await s.ack([d!.id]);
      const events = await s.events();
      expect(events.map((e) => [e.type, e.ids, e.reason])).toEqual([
        ["added", ["a"], undefined],
        ["leased", ["a"], undefined],
        ["nacked", ["a"], "nope"],
        ["leased", ["a"], undefined],
        ["dead-lettered", ["a"], "again"],
        ["added", ["d"], undefined],
        ["promoted", ["d"], undefined],
        ["leased", ["d"], undefined],
        ["acked", ["d"], undefined],
      ]);
      for (const e of events) expect(e.at).toBe(Number(e.id.split("-")[0]));
      // From a given id, in pages.
      const page = await s.events({ from: events[2]!.id, count: 2 });
      expect(page.map((e) => e.type)).toEqual(["leased", "dead-lettered"]);
      expect(await s.events({ from: events.at(-1)!.id })).toEqual([]);
      expect(await s.events({ from: "$" })).toEqual([]);
    });

    it("publishes each event's id and type on the events channel", async () => {
      const s = open("events-pubsub");
      const subscription = t.client.subscribe(eventsKey(t.client, s.name), { reconnect: false });
      try {
        const iterator = subscription[Symbol.asyncIterator]();
        const next = async () => (await iterator.next()).value;
        expect(await next()).toMatchObject({ type: "subscribed" });
        await s.add("a", "A", 1);
        await s.pull({ leaseMs: 60_000 });
        const received = [await next(), await next()].map(
          (e) => e?.type === "message" && e.message,
        );
        const events = await s.events();
        expect(received).toEqual(events.map((e) => `${e.id} ${e.type}`));
      } finally {
        await subscription.close();
      }
    });

    it("blocks up to blockMs for the next event", async () => {
      const s = open("events-block");
      await s.add("a", "A", 1);
      const [last] = await s.events();
      const waiting = s.events({ from: last!.id, blockMs: 10_000 });
      // An event that comes while the read waits ends the wait.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await s.add("b", "B", 1);
      const got = await waiting;
      expect(got.map((e) => [e.type, e.ids])).toEqual([["added", ["b"]]]);
      const started = performance.now();
      expect(await s.events({ from: got[0]!.id, blockMs: 150 })).toEqual([]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });
  });

  it("rejects bad input with a ValidationError naming the field, and writes nothing", async () => {
    const name = fresh("invalid");
    const s: PriorityStream = priorityStream(t.client, name);
    const reject = async (call: () => Promise<unknown>, field: RegExp) => {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, String(field)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(field);
    };
    for (const delayMs of [-1, 1.5, Number.NaN, 2 ** 46, "5" as never]) {
      await reject(() => s.add("a", "x", 1, { delayMs }), /options\.delayMs/);
      await reject(
        () => s.addMany([{ id: "a", data: "x", priority: 1, delayMs }]),
        /items\.0\.delayMs/,
      );
      await reject(() => s.nack(["a"], { delayMs }), /options\.delayMs/);
    }
    await reject(() => s.add("a", "x", 1, { delayMs: 5, runAt: 5 }), /options\.runAt/);
    await reject(() => s.add("a", "x", 1, { runAt: -1 }), /options\.runAt/);
    await reject(() => s.addMany([], { delayMs: 5 } as never), /options/);
    await reject(() => s.nack(["a"], { reason: "a\nb" }), /options\.reason/);
    await reject(() => s.nack(["a"], { reason: "x".repeat(1_001) }), /options\.reason/);
    await reject(() => s.nack(["a{"]), /ids\.0/);
    for (const limits of [
      { concurrency: 0 },
      { concurrency: 1.5 },
      { rate: { max: 0, perMs: 10 } },
      { rate: { max: 1, perMs: 0 } },
      { rate: { max: 1 } },
      { other: 1 },
    ]) {
      await reject(() => s.setLimits(limits as never), /limits/);
    }
    for (const options of [
      { maxAttempts: 0 },
      { maxAttempts: 1.5 },
      { backoff: { type: "linear", delayMs: 1 } },
      { backoff: { type: "fixed", delayMs: -1 } },
      { backoff: { type: "fixed", delayMs: 10, maxDelayMs: 5 } },
      { backoff: { type: "fixed", delayMs: 10, jitter: 2 } },
    ]) {
      await reject(() => s.setOptions(options as never), /options/);
      expect(() => t.client.priority(name, options as never)).toThrow(ValidationError);
    }
    await reject(() => s.deadLetters({ count: 0 }), /options\.count/);
    await reject(() => s.requeueDeadLetters(["}"]), /ids\.0/);
    await reject(() => s.deleteDeadLetters(["a\u0000"]), /ids\.0/);
    for (const from of ["x", "1-2-3", "-1", "$$"]) {
      await reject(() => s.events({ from }), /options\.from/);
    }
    await reject(() => s.events({ count: 1_001 }), /options\.count/);
    await reject(() => s.events({ blockMs: -1 }), /options\.blockMs/);
    const keys = priorityKeys(t.client, name);
    expect(await t.client.command(["EXISTS", ...keys])).toBe(0);
  });
});
