/**
 * Contract: the cache behaves the same over TCP and over REST (through the gateway).
 */
import { afterAll, expect, expectTypeOf, it } from "vitest";
import { type CacheErrorInfo, createCache } from "../../src/cache/index.js";
import { cacheKeys, tagKey } from "../../src/cache/keys.js";
import { MAX_DELETE_MANY } from "../../src/cache/schemas.js";
import { type RedgeClient, ValidationError } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { freePort } from "../helpers/free-port.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { describeTransports } from "./transports.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds, asking again after each short pause (a wait for a state). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(10);
}

/** A promise the test resolves when it decides: the function under test waits on it. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** A function that counts its calls and takes `delayMs` to answer. */
function counted<A extends unknown[], R>(body: (...args: A) => R, delayMs = 0) {
  const calls: A[] = [];
  const fn = async (...args: A): Promise<R> => {
    calls.push(args);
    if (delayMs > 0) await sleep(delayMs);
    return body(...args);
  };
  return { fn, calls };
}

describeTransports("cache", (t) => {
  const prefixOf = (client: RedgeClient) => (name: string) => client.key(name);

  it("caches a result: the second call reads Redis, whatever the key order of the arguments", async () => {
    const cache = createCache(t.client);
    const { fn, calls } = counted((q: { a: number; b: { c: number; d: string } }) => q.a + q.b.c);
    const cached = cache.wrap(fn, { namespace: t.key("basic"), ttlMs: 60_000 });
    expect(await cached({ a: 1, b: { c: 2, d: "x" } })).toBe(3);
    expect(await cached({ b: { d: "x", c: 2 }, a: 1 })).toBe(3);
    expect(calls).toHaveLength(1);
    expect(await cached({ a: 2, b: { c: 2, d: "x" } })).toBe(4);
    expect(calls).toHaveLength(2);
    expectTypeOf(cached).parameters.toEqualTypeOf<[{ a: number; b: { c: number; d: string } }]>();
    expectTypeOf(cached).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(cached.keyFor).returns.toEqualTypeOf<string>();
    // The key: namespace as hash tag, SHA-256 hex of the canonical arguments.
    const key = cached.keyFor({ a: 1, b: { c: 2, d: "x" } });
    expect(key).toMatch(new RegExp(`^c:\\{${t.key("basic")}\\}:e:[0-9a-f]{64}$`));
    expect(await t.client.command(["GET", key])).toBe("j:0:3");
    const ttl = (await t.client.command(["PTTL", key])) as number;
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("works with sync functions, keeps `this`, and treats undefined arguments consistently", async () => {
    const cache = createCache(t.client);
    let runs = 0;
    const counter = {
      base: 10,
      add(x: number, y?: number) {
        runs++;
        return this.base + x + (y ?? 0);
      },
    };
    const add = cache.wrap(counter.add, { namespace: t.key("sync"), ttlMs: 60_000 });
    expect(await add.call(counter, 1)).toBe(11);
    expect(await add.call(counter, 1, undefined)).toBe(11);
    expect(runs).toBe(1);
    expect(add.keyFor(1)).toBe(add.keyFor(1, undefined));
    expect(add.keyFor(1)).not.toBe(add.keyFor(1, 0));
  });

  it("leaves skipArgs fields (e.g. a db session) and positions out of the key", async () => {
    const cache = createCache(t.client);
    const { fn, calls } = counted((q: { id: number; session: object }, _tx?: object) => q.id * 2);
    const cached = cache.wrap(fn, {
      namespace: t.key("skip"),
      ttlMs: 60_000,
      skipArgs: ["session", 1],
    });
    expect(await cached({ id: 1, session: { conn: 1 } }, { tx: 1 })).toBe(2);
    expect(await cached({ id: 1, session: { conn: 2 } }, { tx: 2 })).toBe(2);
    expect(await cached({ id: 1, session: { conn: 3 } })).toBe(2);
    expect(calls).toHaveLength(1);
    expect(await cached({ id: 2, session: { conn: 1 } })).toBe(4);
    expect(calls).toHaveLength(2);
  });

  it("uses a caller-built key, shared with cache.get/set", async () => {
    const cache = createCache(t.client);
    const namespace = t.key("custom");
    const { fn, calls } = counted((id: string) => ({ id, name: `user ${id}` }));
    const cached = cache.wrap(fn, { namespace, ttlMs: 60_000, key: (id) => `user-${id}` });
    expect(cached.keyFor("7")).toBe(`c:{${namespace}}:e:user-7`);
    await cached("7");
    expect(await cache.get("user-7", { namespace })).toEqual({ id: "7", name: "user 7" });
    await cache.set("user-8", { id: "8", name: "preset" }, { namespace, ttlMs: 60_000 });
    expect(await cached("8")).toEqual({ id: "8", name: "preset" });
    expect(calls).toHaveLength(1);
    // A key function returning something unusable is a programming error: ValidationError.
    const broken = cache.wrap(fn, { namespace, ttlMs: 1_000, key: () => "" });
    await expect(broken("x")).rejects.toBeInstanceOf(ValidationError);
  });

  it("cacheIf predicate: no condition, no cache read or write", async () => {
    const cache = createCache(t.client);
    const namespace = t.key("pred");
    let version = 0;
    const cached = cache.wrap((id: string, _live: boolean) => `${id}@${++version}`, {
      namespace,
      ttlMs: 60_000,
      key: (id) => id,
      cacheIf: (_id, live) => !live,
    });
    expect(await cached("a", false)).toBe("a@1");
    expect(await cached("a", false)).toBe("a@1");
    // live: runs every time, does not read the cached a@1, does not write.
    expect(await cached("a", true)).toBe("a@2");
    expect(await cached("b", true)).toBe("b@3");
    expect(await t.client.command(["EXISTS", cached.keyFor("b", true)])).toBe(0);
    expect(await cached("a", false)).toBe("a@1");
  });

  it("cacheIf conditions: in / notIn / eq on fields and positions, OR-ed", async () => {
    const cache = createCache(t.client);
    const { fn, calls } = counted((q: { reportType: string; region?: string }) => q.reportType);
    const cached = cache.wrap(fn, {
      namespace: t.key("cond"),
      ttlMs: 60_000,
      cacheIf: [
        { arg: "reportType", in: ["daily", "weekly"] },
        { arg: "region", eq: "eu" },
      ],
    });
    await cached({ reportType: "daily" });
    await cached({ reportType: "daily" });
    expect(calls).toHaveLength(1);
    await cached({ reportType: "yearly" });
    await cached({ reportType: "yearly" });
    expect(calls).toHaveLength(3);
    await cached({ reportType: "yearly", region: "eu" });
    await cached({ reportType: "yearly", region: "eu" });
    expect(calls).toHaveLength(4);

    const positional = counted((kind: string, n: number) => `${kind}${n}`);
    const byIndex = cache.wrap(positional.fn, {
      namespace: t.key("cond-pos"),
      ttlMs: 60_000,
      cacheIf: [{ arg: 0, notIn: ["live"] }],
    });
    await byIndex("stored", 1);
    await byIndex("stored", 1);
    await byIndex("live", 1);
    await byIndex("live", 1);
    expect(positional.calls).toHaveLength(3);
  });

  it("cacheIf takes the seed's cache_only_for shape { kwarg, operator, value }, every operator", async () => {
    const cache = createCache(t.client);
    let runs = 0;
    // As in dtpyfw: kwargs are the wrapped function's own parameter names.
    async function generateReport(reportType: string, userId: number, _dbSession?: unknown) {
      runs++;
      return `Report for ${userId} of type ${reportType} #${runs}`;
    }
    const wrap = (operator: string, kwarg: string, value: unknown) =>
      cache.wrap(generateReport, {
        namespace: t.key(`seed-${operator}-${kwarg}`),
        ttlMs: 60_000,
        skipArgs: [2],
        cacheIf: [{ kwarg, operator, value } as never],
      });
    // Each case: [operator, kwarg, value, a call that is cached, a call that is not].
    const cases: [string, string, unknown, [string, number], [string, number]][] = [
      ["in", "reportType", ["daily", "weekly"], ["daily", 1], ["live", 1]],
      ["not in", "reportType", ["live"], ["weekly", 1], ["live", 1]],
      ["==", "userId", 7, ["live", 7], ["live", 8]],
      ["!=", "userId", 7, ["live", 8], ["live", 7]],
      [">", "userId", 100, ["live", 101], ["live", 100]],
      [">=", "userId", 100, ["live", 100], ["live", 99]],
      ["<", "userId", 100, ["live", 99], ["live", 100]],
      ["<=", "userId", 100, ["live", 100], ["live", 101]],
    ];
    for (const [operator, kwarg, value, cachedCall, directCall] of cases) {
      const wrapped = wrap(operator, kwarg, value);
      const first = await wrapped(...cachedCall, { session: 1 });
      expect(await wrapped(...cachedCall, { session: 2 }), operator).toBe(first); // a hit
      expect(await t.client.command(["EXISTS", wrapped.keyFor(...cachedCall)]), operator).toBe(1);
      const a = await wrapped(...directCall, {});
      expect(await wrapped(...directCall, {}), operator).not.toBe(a); // ran again, not stored
      expect(await t.client.command(["EXISTS", wrapped.keyFor(...directCall)]), operator).toBe(0);
    }

    // A destructured object parameter: the kwarg is one of its fields.
    const byField = cache.wrap(
      async ({ reportType, day }: { reportType: string; day: string }) =>
        `${reportType}:${day}:${++runs}`,
      {
        namespace: t.key("seed-field"),
        ttlMs: 60_000,
        cacheIf: [{ kwarg: "reportType", operator: "in", value: ["daily"] }],
      },
    );
    const daily = await byField({ reportType: "daily", day: "d1" });
    expect(await byField({ reportType: "daily", day: "d1" })).toBe(daily);
    const live = await byField({ reportType: "live", day: "d1" });
    expect(await byField({ reportType: "live", day: "d1" })).not.toBe(live);
  });

  it("a cache_only_for kwarg the function does not take is a ValidationError at wrap time", async () => {
    const cache = createCache(t.client);
    async function generateReport(reportType: string, userId: number) {
      return `${reportType}${userId}`;
    }
    const error = (() => {
      try {
        cache.wrap(generateReport, {
          namespace: t.key("seed-bad"),
          ttlMs: 60_000,
          cacheIf: [{ kwarg: "report_type", operator: "in", value: ["daily"] }],
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      {
        path: "cacheIf.0.kwarg",
        message: expect.stringMatching(/"report_type" is not an argument.*reportType, userId/),
      },
    ]);
    // A bad operator or value is refused the same way, naming the field.
    expect(() =>
      cache.wrap(generateReport, {
        namespace: t.key("seed-bad"),
        ttlMs: 60_000,
        cacheIf: [{ kwarg: "userId", operator: "=>", value: 1 } as never],
      }),
    ).toThrow(/cacheIf\.0\.operator/);
    // argNames names the parameters when the source cannot (here: a bound function).
    const wrapped = cache.wrap(generateReport.bind(null), {
      namespace: t.key("seed-argnames"),
      ttlMs: 60_000,
      argNames: ["reportType", "userId"],
      cacheIf: [{ kwarg: "userId", operator: ">", value: 1 }],
    });
    expect(await wrapped("x", 2)).toBe("x2");
    expect(await t.client.command(["EXISTS", wrapped.keyFor("x", 2)])).toBe(1);
  });

  it("a cached null (and undefined) is a hit, not a miss", async () => {
    const cache = createCache(t.client);
    const nulls = counted((_id: number): string | null => null);
    const cachedNull = cache.wrap(nulls.fn, { namespace: t.key("null"), ttlMs: 60_000 });
    expect(await cachedNull(1)).toBeNull();
    expect(await cachedNull(1)).toBeNull();
    expect(nulls.calls).toHaveLength(1);
    const nothing = counted((_id: number) => undefined);
    const cachedVoid = cache.wrap(nothing.fn, { namespace: t.key("void"), ttlMs: 60_000 });
    expect(await cachedVoid(1)).toBeUndefined();
    expect(await cachedVoid(1)).toBeUndefined();
    expect(nothing.calls).toHaveLength(1);
    // cache.get tells "stored null" from "missing".
    const namespace = t.key("null-data");
    await cache.set("n", null, { namespace, ttlMs: 60_000 });
    expect(await cache.get("n", { namespace })).toBeNull();
    expect(await cache.get("missing", { namespace })).toBeUndefined();
  });

  it("compresses a large value (gzip, base64) and reads it back", async () => {
    const cache = createCache(t.client);
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      name: `row ${i}`,
      tags: ["a", "b"],
    }));
    const { fn, calls } = counted((_page: number) => ({ rows, note: "héllo 🌍" }));
    const cached = cache.wrap(fn, { namespace: t.key("big"), ttlMs: 60_000 });
    const first = await cached(1);
    const raw = (await t.client.command(["GET", cached.keyFor(1)])) as string;
    expect(raw.startsWith("z:0:")).toBe(true);
    expect(raw.length).toBeLessThan(JSON.stringify(first).length / 4);
    expect(await cached(1)).toEqual({ rows, note: "héllo 🌍" });
    expect(calls).toHaveLength(1);
    // Small values stay plain JSON.
    await cache.set("small", { a: 1 }, { namespace: t.key("big"), ttlMs: 60_000 });
    expect(
      await t.client.command(["GET", cacheKeys(prefixOf(t.client), t.key("big"), "small").entry]),
    ).toBe('j:0:{"a":1}');
  });

  it("invalidate(...args) deletes one entry; keyFor names it", async () => {
    const cache = createCache(t.client);
    const { fn, calls } = counted((id: number) => id);
    const cached = cache.wrap(fn, { namespace: t.key("inv"), ttlMs: 60_000 });
    await cached(1);
    await cached(2);
    expect(await t.client.command(["EXISTS", cached.keyFor(1), cached.keyFor(2)])).toBe(2);
    expect(await cached.invalidate(1)).toBe(true);
    expect(await cached.invalidate(1)).toBe(false);
    await cached(1);
    await cached(2);
    expect(calls.map((c) => c[0])).toEqual([1, 2, 1]);
  });

  it("set / get / delete (the seed's cache_data)", async () => {
    const cache = createCache(t.client, { namespace: t.key("data") });
    await cache.set("k", { a: [1, 2] }, { ttlMs: 60_000 });
    expect(await cache.get("k")).toEqual({ a: [1, 2] });
    expect(await cache.delete("k")).toBe(true);
    expect(await cache.delete("k")).toBe(false);
    expect(await cache.get("k")).toBeUndefined();
    await cache.set("short", 1, { ttlMs: 50 });
    await sleep(120);
    expect(await cache.get("short")).toBeUndefined();
  });

  it("deleteMany deletes a namespace's keys in one call, counts each once, caps the list", async () => {
    const namespace = t.key("many");
    const cache = createCache(t.client, { namespace });
    for (const k of ["a", "b", "c"]) await cache.set(k, k, { ttlMs: 60_000 });
    await cache.set("a", "other", { namespace: t.key("elsewhere"), ttlMs: 60_000 });
    expect(await cache.deleteMany(["a", "b", "a", "missing"])).toBe(2);
    expect(await cache.get("a")).toBeUndefined();
    expect(await cache.get("b")).toBeUndefined();
    expect(await cache.get("c")).toBe("c");
    expect(await cache.get("a", { namespace: t.key("elsewhere") })).toBe("other");
    expect(await cache.deleteMany([])).toBe(0);

    const tooMany = Array.from({ length: MAX_DELETE_MANY + 1 }, (_, i) => `k${i}`);
    await expect(cache.deleteMany(["c", ...tooMany])).rejects.toThrow(ValidationError);
    await expect(cache.deleteMany(["c", ""])).rejects.toThrow(/keys/);
    expect(await cache.get("c")).toBe("c");
    const full = Array.from({ length: MAX_DELETE_MANY }, (_, i) => (i === 0 ? "c" : `k${i}`));
    expect(await cache.deleteMany(full)).toBe(1);
    expect(await cache.get("c")).toBeUndefined();
  });

  it("tags: invalidateTag removes every entry with the tag, and the tag set, in one call", async () => {
    const cache = createCache(t.client);
    const users = t.key("tag-users");
    const posts = t.key("tag-posts");
    const tag = (name: string) => `${t.name}-${name}-${Math.random().toString(36).slice(2, 8)}`;
    const team = tag("team");
    const getUser = cache.wrap((id: number) => ({ id, team: id < 3 ? "a" : "b" }), {
      namespace: users,
      ttlMs: 60_000,
      tags: (user) => [`${team}-${user.team}`],
    });
    const getPost = cache.wrap((id: number) => ({ id }), {
      namespace: posts,
      ttlMs: 60_000,
      tags: [`${team}-a`],
    });
    for (const id of [1, 2, 3]) await getUser(id);
    await getPost(1);
    await cache.set("extra", "x", {
      namespace: users,
      ttlMs: 60_000,
      tags: [`${team}-a`, `${team}-z`],
    });
    const tagSet = tagKey(prefixOf(t.client), users, `${team}-a`);
    expect(await t.client.command(["ZCARD", tagSet])).toBe(3);

    // One namespace only.
    expect(await cache.invalidateTag(`${team}-a`, { namespace: users })).toBe(3);
    expect(await t.client.command(["EXISTS", getUser.keyFor(1), getUser.keyFor(2)])).toBe(0);
    expect(await t.client.command(["EXISTS", getUser.keyFor(3)])).toBe(1);
    expect(await t.client.command(["EXISTS", tagSet])).toBe(0);
    expect(await cache.get("extra", { namespace: users })).toBeUndefined();
    expect(await t.client.command(["EXISTS", getPost.keyFor(1)])).toBe(1);

    // Without a namespace: every namespace that has tagged entries (the registry).
    await getUser(1);
    expect(await cache.invalidateTag(`${team}-a`)).toBe(2);
    // One EXISTS per namespace: on a Cluster, two namespaces are two hash slots.
    expect(await t.client.command(["EXISTS", getUser.keyFor(1)])).toBe(0);
    expect(await t.client.command(["EXISTS", getPost.keyFor(1)])).toBe(0);
    expect(await cache.invalidateTag(`${team}-nothing`)).toBe(0);
  });

  it("invalidateTag deletes a big tag atomically: an observer never sees it half done", async () => {
    const cache = createCache(t.client);
    const namespace = t.key("tag-atomic");
    const tag = `bulk-${t.name}`;
    const prefix = prefixOf(t.client);
    const ids = Array.from({ length: 1200 }, (_, i) => `e${i}`);
    await cache.set(ids[0]!, "first", { namespace, ttlMs: 60_000, tags: [tag] });
    // The rest in the same shape, seeded in one round trip (1,200 script calls over REST are slow).
    const tagSet = tagKey(prefix, namespace, tag);
    const expiresAt = Date.now() + 60_000;
    await t.client.pipeline(
      ids.slice(1).flatMap((id) => {
        const entry = cacheKeys(prefix, namespace, id).entry;
        return [
          ["SET", entry, `j:0:"${id}"`, "PX", 60_000],
          ["ZADD", tagSet, expiresAt, entry],
        ] as const;
      }),
    );
    expect(await cache.get(ids.at(-1)!, { namespace })).toBe(ids.at(-1));
    const first = cacheKeys(prefix, namespace, ids[0]!).entry;
    const last = cacheKeys(prefix, namespace, ids.at(-1)!).entry;
    const observer = t.makeClient();
    const seen = new Set<number>();
    let done = false;
    const watching = (async () => {
      while (!done) seen.add((await observer.command(["EXISTS", first, last])) as number);
    })();
    await sleep(5);
    expect(await cache.invalidateTag(tag, { namespace })).toBe(1200);
    done = true;
    await watching;
    expect(seen.has(1)).toBe(false);
    expect(await observer.command(["EXISTS", first, last])).toBe(0);
  });

  it("stale-while-revalidate: returns the stale value at once and refreshes once", async () => {
    const namespace = t.key("swr");
    const background: Promise<unknown>[] = [];
    const caches = [createCache(t.client), createCache(t.makeClient())];
    let version = 0;
    let refreshed = false;
    // The refresh runs until the test lets it finish: every stale answer comes before that.
    const refresh = gate();
    const fn = async (_id: string) => {
      const mine = ++version;
      if (mine > 1) {
        await refresh.opened;
        refreshed = true;
      }
      return `v${mine}`;
    };
    const wrapped = caches.map((cache) =>
      cache.wrap(fn, {
        namespace,
        ttlMs: 200,
        staleWhileRevalidateMs: 10_000,
        waitUntil: (p) => background.push(p),
      }),
    );
    expect(await wrapped[0]!("a")).toBe("v1");
    expect(await wrapped[1]!("a")).toBe("v1");
    expect(background).toHaveLength(0);
    await sleep(300); // now stale (ttlMs 200; waiting longer only keeps it stale, for 10 s)
    const stale = await Promise.all(Array.from({ length: 40 }, (_, i) => wrapped[i % 2]!("a")));
    // Every caller had its answer while the refresh was still held: none waited for it.
    expect(refreshed).toBe(false);
    expect(new Set(stale)).toEqual(new Set(["v1"]));
    expect(background.length).toBeGreaterThanOrEqual(1);
    refresh.open();
    await Promise.all(background);
    expect(version).toBe(2);
    expect(await wrapped[0]!("a")).toBe("v2");
    expect(await wrapped[1]!("a")).toBe("v2");
    expect(version).toBe(2);
  });

  it("single flight: 200 concurrent calls across 4 clients run the function once", async () => {
    const namespace = t.key("flight");
    let runs = 0;
    const fn = async (id: string) => {
      runs++;
      await sleep(100);
      return { id, at: runs };
    };
    const wrapped = Array.from({ length: 4 }, () =>
      createCache(t.makeClient()).wrap(fn, { namespace, ttlMs: 60_000 }),
    );
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => wrapped[i % 4]!("hot")),
    );
    expect(runs).toBe(1);
    expect(results.every((r) => r.id === "hot" && r.at === 1)).toBe(true);
  });

  it("concurrent hits share one read but each caller gets its own copy of the value", async () => {
    const cache = createCache(t.client);
    const { fn, calls } = counted((id: number) => ({ id, list: [1, 2] }));
    const cached = cache.wrap(fn, { namespace: t.key("copies"), ttlMs: 60_000 });
    await cached(1);
    const hits = await Promise.all(Array.from({ length: 20 }, () => cached(1)));
    expect(calls).toHaveLength(1);
    expect(hits.every((h) => h.id === 1 && h.list.length === 2)).toBe(true);
    expect(new Set(hits).size).toBe(20);
  });

  it("a lease holder that dies: another caller takes over once the lease runs out", async () => {
    const cache = createCache(t.makeClient());
    const namespace = t.key("dead-holder");
    const { fn, calls } = counted((id: string) => `fresh ${id}`);
    const cached = cache.wrap(fn, { namespace, ttlMs: 60_000, key: (id) => id, lockMs: 20_000 });
    const { lease, entry } = cacheKeys(prefixOf(t.client), namespace, "x");
    // A "holder" that took the lease and will never write the value.
    expect(await t.client.command(["SET", lease, "ghost", "NX", "PX", 400])).toBe("OK");
    const started = performance.now();
    const results = await Promise.all([cached("x"), cached("x"), cached("x")]);
    const waited = performance.now() - started;
    expect(results).toEqual(["fresh x", "fresh x", "fresh x"]);
    expect(calls).toHaveLength(1);
    // Not before the ghost's lease ran out (server time, 400 ms after the SET), and soon after
    // it: a generous bound, far below the 20 s lease the taker's own load would hold.
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(10_000);
    expect(await t.client.command(["GET", entry])).toBe('j:0:"fresh x"');
    // The taker released its own lease after writing.
    expect(await t.client.command(["EXISTS", lease])).toBe(0);
  });

  it("a holder keeps its lease while the function runs longer than lockMs", async () => {
    const namespace = t.key("renew");
    // Generous: the holder renews every lockMs / 3 = 1 s, so a renewal may come 2 s late.
    const lockMs = 3_000;
    const { lease } = cacheKeys(prefixOf(t.client), namespace, "k");
    const observer = t.makeClient();
    const pttl = async () => Number(await observer.command(["PTTL", lease]));
    /** Resolves after the lease was renewed `times` times (its PTTL went back up). */
    const renewals = async (times: number) => {
      let seen = 0;
      let last = await pttl();
      while (seen < times) {
        await sleep(50);
        const now = await pttl();
        // -2: the lease is gone, which would let a waiter take over. It must never happen.
        expect(now).toBeGreaterThan(0);
        if (now > last) seen++;
        last = now;
      }
    };
    let runs = 0;
    let running = false;
    const fn = async (_id: string) => {
      runs++;
      running = true;
      // Four renewals (> 3 s): the function outlives the lease it started with.
      await renewals(4);
      return "slow";
    };
    const [a, b] = [createCache(t.client), createCache(t.makeClient())].map((cache) =>
      cache.wrap(fn, { namespace, ttlMs: 60_000, lockMs, key: (id) => id }),
    );
    const first = a!("k");
    await until(() => running);
    // b waits beyond lockMs for the holder's value instead of taking the lease over.
    expect(await Promise.all([first, b!("k")])).toEqual(["slow", "slow"]);
    expect(runs).toBe(1);
  });

  it("a lease is only released by its owner", async () => {
    const cache = createCache(t.client);
    const namespace = t.key("owner");
    const { lease } = cacheKeys(prefixOf(t.client), namespace, "y");
    let stolen = false;
    const cached = cache.wrap(
      async (_id: string) => {
        // Our lease expires while we work, and someone else takes it.
        await t.client.command(["SET", lease, "other", "PX", 10_000]);
        stolen = true;
        return 1;
      },
      { namespace, ttlMs: 60_000, key: (id) => id },
    );
    expect(await cached("y")).toBe(1);
    expect(stolen).toBe(true);
    expect(await t.client.command(["GET", lease])).toBe("other");
    // Nor does it store its result: the lease's new owner will.
    expect(await t.client.command(["EXISTS", cached.keyFor("y")])).toBe(0);
  });

  it("invalidate during a load: the result computed before it is not stored after it", async () => {
    const cache = createCache(t.client);
    let version = 0;
    const hold = gate();
    const cached = cache.wrap(
      async (_id: string) => {
        const mine = ++version;
        // The first load computes until the test has invalidated.
        if (mine === 1) await hold.opened;
        return mine;
      },
      { namespace: t.key("inv-race"), ttlMs: 60_000 },
    );
    const loading = cached("a");
    await until(() => version === 1);
    expect(await cached.invalidate("a")).toBe(false); // nothing stored yet
    hold.open();
    expect(await loading).toBe(1); // the caller still gets its answer
    expect(await t.client.command(["EXISTS", cached.keyFor("a")])).toBe(0);
    expect(await cached("a")).toBe(2);
    expect(await cached("a")).toBe(2);
  });

  it("errors thrown by the function propagate, are not cached, and free the lease", async () => {
    const cache = createCache(t.client);
    let fail = true;
    const errors: unknown[] = [];
    const cached = cache.wrap(
      async (_id: number) => {
        if (fail) throw new Error("db down");
        return "ok";
      },
      {
        namespace: t.key("fn-error"),
        ttlMs: 60_000,
        lockMs: 25_000,
        onError: (e) => errors.push(e),
      },
    );
    await expect(cached(1)).rejects.toThrow("db down");
    await expect(cached(1)).rejects.toThrow("db down");
    fail = false;
    const started = performance.now();
    expect(await cached(1)).toBe("ok");
    // No wait for a stale lease: that would be its 25 s (a generous bound, whatever the load).
    expect(performance.now() - started).toBeLessThan(12_000);
    expect(errors).toEqual([]);
  });

  it("a result JSON cannot hold is returned, reported, and not cached", async () => {
    const infos: CacheErrorInfo[] = [];
    const cache = createCache(t.client, { onError: (_e, info) => infos.push(info) });
    const { fn, calls } = counted((_id: number) => ({ big: 10n }));
    const cached = cache.wrap(fn, { namespace: t.key("encode"), ttlMs: 60_000 });
    expect(await cached(1)).toEqual({ big: 10n });
    expect(await cached(1)).toEqual({ big: 10n });
    expect(calls).toHaveLength(2);
    expect(infos.map((i) => i.operation)).toEqual(["encode", "encode"]);
  });

  it("an unreadable entry is reported, recomputed and overwritten", async () => {
    const infos: CacheErrorInfo[] = [];
    const cache = createCache(t.client, { onError: (_e, info) => infos.push(info) });
    const { fn, calls } = counted((id: number) => id * 10);
    const cached = cache.wrap(fn, { namespace: t.key("corrupt"), ttlMs: 60_000 });
    await t.client.command(["SET", cached.keyFor(1), "not a cache entry"]);
    expect(await cached(1)).toBe(10);
    expect(infos.map((i) => i.operation)).toContain("decode");
    expect(await t.client.command(["GET", cached.keyFor(1)])).toBe("j:0:10");
    expect(await cached(1)).toBe(10);
    expect(calls).toHaveLength(1);
  });

  it("validates options at wrap/set time, naming the field, and writes nothing", async () => {
    const cache = createCache(t.client);
    const fn = (x: number) => x;
    const issues = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      throw new Error("accepted");
    };
    expect(issues(() => cache.wrap(fn, { namespace: "a{b}", ttlMs: 1 }))).toEqual(["namespace"]);
    expect(issues(() => cache.wrap(fn, { namespace: "", ttlMs: 1 }))).toEqual(["namespace"]);
    expect(issues(() => cache.wrap(fn, { namespace: "n", ttlMs: 0 }))).toEqual(["ttlMs"]);
    expect(issues(() => cache.wrap(fn, { namespace: "n", ttlMs: 1.5 }))).toEqual(["ttlMs"]);
    expect(issues(() => cache.wrap(fn, { namespace: "n", ttlMs: 1, lockMs: -1 }))).toEqual([
      "lockMs",
    ]);
    expect(
      issues(() => cache.wrap(fn, { namespace: "n", ttlMs: 1, staleWhileRevalidateMs: -1 })),
    ).toEqual(["staleWhileRevalidateMs"]);
    expect(
      issues(() =>
        cache.wrap(fn, { namespace: "n", ttlMs: 1, cacheIf: [{ arg: "x", in: 1 as never }] }),
      ),
    ).toEqual(["cacheIf.0.in"]);
    expect(
      issues(() => cache.wrap(fn, { namespace: "n", ttlMs: 1, tags: ["ok", "b{d}"] })),
    ).toEqual(["tags.1"]);
    expect(issues(() => cache.wrap(fn, { namespace: "n", ttlMs: 1, skipArgs: [-1] }))).toEqual([
      "skipArgs.0",
    ]);
    expect(issues(() => cache.wrap(fn, { namespace: "n", ttlMs: 1, ttl: 5 } as never))).toEqual([
      "",
    ]);
    expect(issues(() => createCache(t.client, { lockMs: 0 }))).toEqual(["lockMs"]);

    const namespace = t.key("validate");
    await expect(cache.set("k", 1, { namespace, ttlMs: -5 })).rejects.toThrow(/ttlMs/);
    await expect(cache.set("k", 1n, { namespace, ttlMs: 1_000 })).rejects.toThrow(/value/);
    await expect(cache.set("", 1, { namespace, ttlMs: 1_000 })).rejects.toThrow(/key/);
    await expect(cache.invalidateTag("a}b")).rejects.toThrow(/tag/);
    expect(await cache.get("k", { namespace })).toBeUndefined();
  });
});

describeTransports("cache with Redis down", (t) => {
  let gateway: RunningGateway | undefined;
  afterAll(async () => {
    await gateway?.close();
  });

  it("the wrapped function still answers, and onError is told", async () => {
    const deadPort = await freePort();
    const deadRedis = `redis://127.0.0.1:${deadPort}`;
    const fast = { commandTimeoutMs: 300, connectTimeoutMs: 300, retry: { retries: 0 } };
    let client: RedgeClient;
    if (t.transport === "tcp") {
      client = createNodeClient({ url: deadRedis, ...fast });
    } else {
      gateway = await startGateway({ redisUrl: deadRedis, commandTimeoutMs: 300 });
      client = createNodeClient({ url: gateway.url, token: gateway.token, ...fast });
    }
    try {
      const faults: CacheErrorInfo[] = [];
      const cache = createCache(client, { onError: (_e, info) => faults.push(info) });
      const { fn, calls } = counted((id: number) => ({ id }));
      const cached = cache.wrap(fn, {
        namespace: t.key("down"),
        ttlMs: 60_000,
        staleWhileRevalidateMs: 1_000,
      });
      const started = performance.now();
      expect(await cached(1)).toEqual({ id: 1 });
      expect(await cached(2)).toEqual({ id: 2 });
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(calls).toHaveLength(2);
      expect(faults.map((f) => f.operation)).toEqual(["read", "read"]);
      expect(faults[0]!.namespace).toBe(t.key("down"));
      // Concurrent callers in one process still share a call in flight while Redis is down.
      const slow = counted((id: number) => id, 1_000);
      const cachedSlow = cache.wrap(slow.fn, { namespace: t.key("down"), ttlMs: 60_000 });
      expect(await Promise.all([cachedSlow(3), cachedSlow(3), cachedSlow(3)])).toEqual([3, 3, 3]);
      expect(slow.calls).toHaveLength(1);
      // An onError hook that throws does not reach the caller either.
      const loud = createCache(client, {
        onError: () => {
          throw new Error("hook failed");
        },
      });
      expect(await loud.wrap(fn, { namespace: t.key("down"), ttlMs: 1_000 })(4)).toEqual({ id: 4 });
    } finally {
      await client.close();
    }
  });
});
