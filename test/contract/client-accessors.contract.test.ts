/**
 * Contract: each capability is reachable from the client itself, on both transports —
 * `client.priority()`, the seed's `ps*` aliases, `client.cache`, `client.dict()`,
 * `client.subjects()`, `client.stream()` and `client.ratelimit()`.
 */
import { expect, it } from "vitest";
import { describeTransports } from "./transports.js";

describeTransports("client accessors", (t) => {
  it("priority() and the ps* aliases share one stream", async () => {
    const name = t.key("accessors-ps");
    await t.client.psadd(name, "a", { n: 1 }, 1);
    await t.client.psaddmany<string | number>(name, [
      { id: "b", data: "two", priority: 5 },
      { id: "c", data: 3, priority: 5 },
    ]);
    expect(await t.client.psincrement(name, "a", 10)).toBe(11);
    await t.client.psdecrementAll(name, 1);
    expect(await t.client.psdeletebelowthreshold(name, 4)).toEqual([]); // strictly below
    // The seed's pspull peeks unless purge: true.
    expect((await t.client.pspull(name, { count: 3 })).map((i) => i.id)).toEqual(["a", "b", "c"]);
    expect(await t.client.priority(name).size()).toEqual({ ready: 3, leased: 0 });
    const pulled = await t.client.pspull(name, { count: 3, purge: true });
    expect(pulled.map((i) => [i.id, i.priority, i.data])).toEqual([
      ["a", 10, { n: 1 }],
      ["b", 4, "two"],
      ["c", 4, 3],
    ]);
    expect(await t.client.priority(name).size()).toEqual({ ready: 0, leased: 0 });
    expect(await t.client.psexpired(name, { ttlMs: 1 })).toEqual([]);
  });

  it("cache, dict, subjects and stream", async () => {
    await t.client.cache.set(t.key("acc-cache"), { hello: "world" }, { ttlMs: 10_000 });
    expect(await t.client.cache.get(t.key("acc-cache"))).toEqual({ hello: "world" });

    const dict = t.client.dict<number>(t.key("acc-dict"));
    await dict.set("x", 42);
    expect(await dict.get("x")).toBe(42);

    const subject = t.client.subjects({ prefix: "acc:" }).subject(t.key("user"));
    expect(await subject.incr("visits", 2)).toBe(2);

    const stream = t.client.stream<{ n: number }>(t.key("acc-stream"), { group: "g" });
    await stream.createGroup();
    await stream.publish({ n: 7 });
    const [message] = await stream.receive({ consumer: "c1" });
    expect(message?.data).toEqual({ n: 7 });
    expect(await stream.ack([message!.id])).toBe(1);
  });

  it("ratelimit() and priority(name, options)", async () => {
    const limiter = t.client.ratelimit({
      limit: 1,
      windowMs: 3_600_000,
      algorithm: "fixed",
      prefix: t.key("acc-rl"),
    });
    expect((await limiter.limit("u")).success).toBe(true);
    expect((await limiter.limit("u")).success).toBe(false);
    const jobs = t.client.priority(t.key("acc-jobs"), { maxAttempts: 2 });
    await jobs.add("a", 1, 1);
    expect((await jobs.info()).options).toEqual({ maxAttempts: 2 });
  });
});
