/**
 * Contract: the rate limiter behaves the same over TCP and over REST (through the gateway), and on
 * a Cluster: each algorithm admits exactly `limit` of many concurrent attempts from several
 * clients, counts by the server's clock, and rejects bad input naming the field.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/index.js";
import { type RatelimitAlgorithm, ratelimitKey } from "../../src/ratelimit/index.js";
import { serverMs, untilServerTime } from "./server-time.js";
import { describeTransports } from "./transports.js";

const ALGORITHMS: RatelimitAlgorithm[] = ["fixed", "sliding", "token-bucket"];

describeTransports("ratelimit", (t) => {
  let counter = 0;
  const prefix = (label: string) => t.key(`rl-${label}-${++counter}`);

  for (const algorithm of ALGORITHMS) {
    describe(algorithm, () => {
      it("admits exactly the limit of concurrent attempts from 4 clients", async () => {
        const LIMIT = 15;
        const ATTEMPTS = 48;
        // An hour: no fixed window ends during the test (windows align to the epoch), and a token
        // bucket refills one token per 4 minutes.
        const options = { limit: LIMIT, windowMs: 3_600_000, algorithm, prefix: prefix("exact") };
        const limiters = Array.from({ length: 4 }, () => t.makeClient().ratelimit(options));
        const results = await Promise.all(
          Array.from({ length: ATTEMPTS }, (_, i) => limiters[i % 4]!.limit("user:1")),
        );
        const admitted = results.filter((r) => r.success);
        console.log(
          `[${t.name}] ${algorithm}: ${ATTEMPTS} concurrent attempts from 4 clients, limit ${LIMIT}: ${admitted.length} admitted`,
        );
        expect(admitted).toHaveLength(LIMIT);
        // Each admitted call saw a different count: remaining takes every value once.
        expect(admitted.map((r) => r.remaining).sort((a, b) => a - b)).toEqual(
          Array.from({ length: LIMIT }, (_, i) => i),
        );
        const now = await serverMs(t.client);
        for (const r of results.filter((x) => !x.success)) {
          expect(r.remaining).toBe(0);
          expect(r.retryAfterMs).toBeGreaterThan(0);
          expect(r.resetAt).toBeGreaterThan(now - 1_000);
        }
        // Another identifier has its own count.
        expect((await limiters[0]!.limit("user:2")).success).toBe(true);
      });

      it("takes a cost, checks with cost 0, and starts over after reset()", async () => {
        const limiter = t.client.ratelimit({
          limit: 10,
          windowMs: 3_600_000,
          algorithm,
          prefix: prefix("cost"),
        });
        expect(await limiter.limit("k", { cost: 7 })).toMatchObject({
          success: true,
          remaining: 3,
          retryAfterMs: 0,
          limit: 10,
        });
        expect(await limiter.limit("k", { cost: 4 })).toMatchObject({
          success: false,
          remaining: 3,
        });
        expect(await limiter.limit("k", { cost: 0 })).toMatchObject({
          success: true,
          remaining: 3,
        });
        expect(await limiter.limit("k", { cost: 3 })).toMatchObject({
          success: true,
          remaining: 0,
        });
        await limiter.reset("k");
        expect(await limiter.limit("k", { cost: 10 })).toMatchObject({
          success: true,
          remaining: 0,
        });
      });
    });
  }

  it("fixed: a new window starts at the window's end, by the server's clock", async () => {
    const limiter = t.client.ratelimit({
      limit: 2,
      windowMs: 300,
      algorithm: "fixed",
      prefix: prefix("fixed-window"),
    });
    let first = await limiter.limit("k");
    // Start at a window's beginning, so both calls fall into one window.
    await untilServerTime(t.client, first.resetAt);
    first = await limiter.limit("k");
    const second = await limiter.limit("k");
    const third = await limiter.limit("k");
    if (third.resetAt === first.resetAt) {
      expect([first.success, second.success, third.success]).toEqual([true, true, false]);
      expect(third.retryAfterMs).toBeLessThanOrEqual(300);
    }
    await untilServerTime(t.client, third.resetAt);
    expect(await limiter.limit("k")).toMatchObject({ success: true, remaining: 1 });
  });

  it("fixed: a count from an earlier window never counts, even while its key lives on", async () => {
    const p = prefix("fixed-stale");
    const limiter = t.client.ratelimit({
      limit: 2,
      windowMs: 3_600_000,
      algorithm: "fixed",
      prefix: p,
    });
    const first = await limiter.limit("k");
    const key = ratelimitKey(t.client, p, "fixed", "k");
    // The previous window's full count, on a key that has not expired (as during the boundary's
    // millisecond): the current window still starts from zero.
    const index = first.resetAt / 3_600_000 - 1;
    await t.client.command(["HSET", key, "w", index - 1, "c", 2]);
    await t.client.command(["PEXPIRE", key, 600_000]);
    expect(await limiter.limit("k")).toMatchObject({ success: true, remaining: 1 });
    expect(await limiter.limit("k")).toMatchObject({ success: true, remaining: 0 });
    expect(await limiter.limit("k")).toMatchObject({ success: false, remaining: 0 });
  });

  it("token-bucket: refills at limit per window, bursts up to the limit", async () => {
    const limiter = t.client.ratelimit({
      limit: 4,
      windowMs: 400,
      algorithm: "token-bucket",
      prefix: prefix("bucket"),
    });
    const burst = await Promise.all(Array.from({ length: 5 }, () => limiter.limit("k")));
    expect(burst.filter((r) => r.success)).toHaveLength(4);
    const denied = burst.find((r) => !r.success)!;
    // One token comes back every 100 ms.
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(100);
    await untilServerTime(t.client, (await serverMs(t.client)) + denied.retryAfterMs);
    expect((await limiter.limit("k")).success).toBe(true);
    const full = await limiter.limit("k", { cost: 0 });
    await untilServerTime(t.client, full.resetAt);
    expect(await limiter.limit("k", { cost: 4 })).toMatchObject({ success: true, remaining: 0 });
  });

  it("sliding: the previous window still counts, by how much of it the window covers", async () => {
    const limiter = t.client.ratelimit({
      limit: 10,
      windowMs: 1_000,
      algorithm: "sliding",
      prefix: prefix("sliding"),
    });
    const first = await limiter.limit("k", { cost: 10 });
    expect(first.success).toBe(true);
    await untilServerTime(t.client, first.resetAt);
    // Just into the next window the previous one still weighs almost fully.
    const next = await limiter.limit("k", { cost: 5 });
    const now = await serverMs(t.client);
    if (now < first.resetAt + 400) {
      expect(next.success).toBe(false);
      expect(next.retryAfterMs).toBeGreaterThan(0);
      expect(next.retryAfterMs).toBeLessThanOrEqual(1_000);
    }
    // Two windows on, whatever the call above took, both counted windows have slid out.
    await untilServerTime(t.client, first.resetAt + 2_000);
    expect((await limiter.limit("k", { cost: 10 })).success).toBe(true);
  });

  it("keeps one key per identifier, in its own slot, under the client's key prefix", async () => {
    const client = t.makeClient({ keyPrefix: "tenant-b:" });
    const p = prefix("keys");
    await client
      .ratelimit({ limit: 3, windowMs: 3_600_000, algorithm: "fixed", prefix: p })
      .limit("u");
    const key = ratelimitKey(client, p, "fixed", "u");
    expect(key).toBe(`tenant-b:rl:{${p}:u}:f`);
    expect(await t.client.command(["HGET", key, "c"])).toBe("1");
    expect(Number(await t.client.command(["PTTL", key]))).toBeGreaterThan(0);
  });

  it("rejects bad input with a ValidationError naming the field, and writes nothing", async () => {
    const p = prefix("invalid");
    for (const options of [
      { limit: 0, windowMs: 1, algorithm: "fixed" },
      { limit: 1.5, windowMs: 1, algorithm: "fixed" },
      { limit: 1, windowMs: 0, algorithm: "fixed" },
      { limit: 1, windowMs: 1, algorithm: "leaky" },
      { limit: 1, windowMs: 1, algorithm: "fixed", prefix: "a{b}" },
      { limit: 1, windowMs: 1, algorithm: "fixed", other: 1 },
    ]) {
      expect(() => t.client.ratelimit(options as never)).toThrow(ValidationError);
      expect(() => t.client.ratelimit(options as never)).toThrow(/options/);
    }
    const limiter = t.client.ratelimit({
      limit: 5,
      windowMs: 1_000,
      algorithm: "fixed",
      prefix: p,
    });
    for (const identifier of ["", "a{b", "x".repeat(513), "a\nb"]) {
      await expect(limiter.limit(identifier)).rejects.toThrow(/identifier/);
    }
    for (const cost of [-1, 1.5, Number.NaN, 6]) {
      await expect(limiter.limit("k", { cost })).rejects.toThrow(/options\.cost/);
    }
    await expect(limiter.limit("k", { weight: 1 } as never)).rejects.toThrow(ValidationError);
    expect(await t.client.command(["EXISTS", ratelimitKey(t.client, p, "fixed", "k")])).toBe(0);
  });
});
