/**
 * Contract: subjects, identical over TCP and REST, in the exact layout KRules'
 * SubjectsRedisStorage writes (`s:<prefix><subject>`, fields `p<name>` / `e<name>`, JSON text).
 */
import { expect, it } from "vitest";
import { AbortedError, ValidationError } from "../../src/index.js";
import { ConflictError, createSubjects, SubjectValueError } from "../../src/subjects/index.js";
import { describeTransports } from "./transports.js";

describeTransports("subjects", (t) => {
  const store = (name: string) => createSubjects(t.client, { prefix: `${t.key(name)}:` });
  const rawHash = async (key: string) => {
    const flat = (await t.client.command(["HGETALL", key])) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
    return out;
  };

  it("writes the KRules layout: s:<prefix><subject>, p<name> / e<name>, JSON text", async () => {
    const subjects = store("layout");
    const user = subjects.subject("user|42");
    expect(user.key).toBe(`s:${t.key("layout")}:user|42`);
    await user.set("profile", { a: 1, b: [1, 2], name: "Zoë" });
    await user.set("count", 3);
    await user.set("tenant", "t-1", { extended: true });
    await user.set("flag", true, { extended: true });
    expect(await rawHash(user.key)).toEqual({
      pprofile: '{"a":1,"b":[1,2],"name":"Zoë"}',
      pcount: "3",
      etenant: '"t-1"',
      eflag: "true",
    });
  });

  it("reads what Python's json.dumps writes", async () => {
    const user = store("python").subject("device:abc");
    await t.client.command([
      "HSET",
      user.key,
      "pdata",
      '{"a": 1, "b": [1, 2]}',
      "pfloat",
      "1.0",
      "pbig",
      "1e+300",
      "pnan",
      "NaN",
      "pinf",
      '{"up": Infinity, "down": -Infinity, "text": "NaN Infinity"}',
      "pnone",
      "null",
      "ptrue",
      "true",
      "pascii",
      '"Zo\\u00eb \\ud83c\\udf0d"',
      "eplan",
      '"gold"',
      "xignored",
      "not krules",
    ]);
    const { props, ext } = await user.load();
    expect(props).toEqual({
      data: { a: 1, b: [1, 2] },
      float: 1,
      big: 1e300,
      nan: Number.NaN,
      inf: { up: Number.POSITIVE_INFINITY, down: Number.NEGATIVE_INFINITY, text: "NaN Infinity" },
      none: null,
      true: true,
      ascii: "Zoë 🌍",
    });
    expect(ext).toEqual({ plan: "gold" });
    expect(await user.get("data")).toEqual({ a: 1, b: [1, 2] });
    expect(await user.get("plan", { extended: true })).toBe("gold");

    await t.client.command(["HSET", user.key, "pbroken", "{'a': 1}"]);
    const error = await user.get("broken").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubjectValueError);
    expect((error as Error).message).toMatch(/Property "broken" of subject "device:abc".*JSON/);
    await expect(user.load()).rejects.toBeInstanceOf(SubjectValueError);
    await expect(user.set("broken", (old) => old)).rejects.toBeInstanceOf(SubjectValueError);
    expect(await t.client.command(["HGET", user.key, "pbroken"])).toBe("{'a': 1}");
    await expect(user.set("broken", 1)).rejects.toThrow(/new value was written/);
    expect(await user.get("broken")).toBe(1);
  });

  it("set returns the new and the old value; default and extended props are separate", async () => {
    const user = store("set").subject("u1");
    expect(await user.get("name")).toBeUndefined();
    expect(await user.set("name", "Ada")).toEqual({ value: "Ada", old: undefined });
    expect(await user.set("name", "Grace")).toEqual({ value: "Grace", old: "Ada" });
    expect(await user.set("name", "ext", { extended: true })).toEqual({
      value: "ext",
      old: undefined,
    });
    expect(await user.get("name")).toBe("Grace");
    expect(await user.get("name", { extended: true })).toBe("ext");
    expect(await user.set("name", null)).toEqual({ value: null, old: "Grace" });
    expect(await user.get("name")).toBeNull();
    expect(await user.load()).toEqual({ props: { name: null }, ext: { name: "ext" } });
  });

  it("set with a function is a read-modify-write that returns old and new", async () => {
    const user = store("fn").subject("u1");
    const seen: unknown[] = [];
    const first = await user.set("list", (old: number[] | undefined) => {
      seen.push(old);
      return [...(old ?? []), 1];
    });
    expect(first).toEqual({ value: [1], old: undefined });
    const second = await user.set("list", async (old: number[] | undefined) => [...(old ?? []), 2]);
    expect(second).toEqual({ value: [1, 2], old: [1] });
    expect(seen).toEqual([undefined]);
    expect(await t.client.command(["HGET", user.key, "plist"])).toBe("[1,2]");
    await expect(user.set("list", () => Number.NaN)).rejects.toBeInstanceOf(ValidationError);
    expect(await user.get("list")).toEqual([1, 2]);
  });

  it("20 concurrent read-modify-writes from 20 clients add exactly 20", async () => {
    const prefix = `${t.key("cas20")}:`;
    const clients = Array.from({ length: 20 }, () => t.makeClient());
    await createSubjects(t.client, { prefix }).subject("counter").set("n", 100);
    const results = await Promise.all(
      clients.map((client) =>
        createSubjects(client, { prefix })
          .subject("counter")
          .set("n", (n: number | undefined) => (n ?? 0) + 1),
      ),
    );
    expect(await createSubjects(t.client, { prefix }).subject("counter").get("n")).toBe(120);
    // Every writer saw a different old value: no update was lost or applied twice.
    expect(new Set(results.map((r) => r.old)).size).toBe(20);
    for (const r of results) expect(r.value).toBe((r.old as number) + 1);
  });

  // KRules retries a callable set until it wins. 200 increments over 4 clients at once: each one
  // must land exactly once, however long the others keep winning.
  it("200 concurrent function sets over 4 clients: every one lands, none fails", async () => {
    const prefix = `${t.key("cas200")}:`;
    const clients = Array.from({ length: 4 }, () => t.makeClient());
    let attempts = 0;
    const started = performance.now();
    const settled = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        createSubjects(clients[i % 4]!, { prefix })
          .subject("counter")
          .set("n", (n: number | undefined) => {
            attempts++;
            return (n ?? 0) + 1;
          }),
      ),
    );
    const elapsedMs = performance.now() - started;
    const failed = settled.filter((r) => r.status === "rejected");
    console.log(
      `[${t.name}] 200 function sets over 4 clients: ${elapsedMs.toFixed(0)} ms, ` +
        `${attempts} attempts (${(attempts / 200).toFixed(2)} per set), ${failed.length} failed`,
    );
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(await createSubjects(t.client, { prefix }).subject("counter").get("n")).toBe(200);
    const olds = settled.map((r) => (r as PromiseFulfilledResult<{ old: unknown }>).value.old);
    expect(new Set(olds).size).toBe(200); // each saw a different value: none lost, none twice
  });

  it("keeps losing only until the call's deadline: then a ConflictError, nothing written", async () => {
    const user = store("deadline").subject("u1");
    await user.set("n", 0);
    let calls = 0;
    const started = performance.now();
    const error = await user
      .set(
        "n",
        async (n: number | undefined) => {
          calls++;
          // Another writer wins every race.
          await t.client.command(["HSET", user.key, "pn", String(1000 + calls)]);
          return (n ?? 0) + 1;
        },
        { timeoutMs: 300 },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect((error as ConflictError).elapsedMs).toBeGreaterThanOrEqual(299);
    expect((error as ConflictError).attempts).toBe(calls);
    expect(calls).toBeGreaterThan(1); // it did retry, not stop at the first loss
    expect(await user.get("n")).toBe(1000 + calls);
  });

  it("calls on one client take turns; a turn not reached by the deadline, or aborted, fails", async () => {
    const user = store("turns").subject("u1");
    let releaseFirst!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let entered!: () => void;
    const inFirst = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = user.set("n", async (n: number | undefined) => {
      entered();
      await gate; // holds the turn until the test lets go
      return (n ?? 0) + 1;
    });
    await inFirst;
    const late = await user
      .set("n", (n: number | undefined) => (n ?? 0) + 10, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(ConflictError);
    expect((late as ConflictError).attempts).toBe(0);
    const controller = new AbortController();
    const aborted = user.set("n", (n: number | undefined) => (n ?? 0) + 100, {
      signal: controller.signal,
    });
    const queued = user.set("n", (n: number | undefined) => (n ?? 0) + 1000);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    releaseFirst();
    expect(await first).toEqual({ value: 1, old: undefined });
    // The caller queued behind the ones that gave up still gets its turn, after the first.
    expect(await queued).toEqual({ value: 1001, old: 1 });
    expect(await user.get("n")).toBe(1001);
    await expect(user.set("n", () => 1, { timeoutMs: 0 })).rejects.toThrow(/options\.timeoutMs/);
    await expect(user.set("n", () => 1, { signal: {} as never })).rejects.toThrow(
      /options\.signal/,
    );
  });

  it("gives up with a ConflictError after the configured attempts, writing nothing", async () => {
    const user = store("conflict").subject("u1");
    await user.set("n", 0);
    let calls = 0;
    const error = await user
      .set(
        "n",
        async (n: number | undefined) => {
          calls++;
          // Another writer changes the value between this read and the compare-and-set.
          await t.client.command(["HSET", user.key, "pn", String(1000 + calls)]);
          return (n ?? 0) + 1;
        },
        { attempts: 3 },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe("conflict");
    expect((error as ConflictError).attempts).toBe(3);
    expect((error as ConflictError).message).toMatch(/"n" of subject "u1".*3 attempt/);
    expect(calls).toBe(3);
    expect(await user.get("n")).toBe(1003);

    let once = 0;
    await expect(
      user.set(
        "n",
        async (n: number | undefined) => {
          if (once++ === 0) await t.client.command(["HDEL", user.key, "pn"]);
          return (n ?? 0) + 1;
        },
        { attempts: 1 },
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await user.get("n")).toBeUndefined();
    await expect(user.set("n", 1, { attempts: 0 })).rejects.toThrow(/options\.attempts/);
  });

  it("increment returns the new and the replaced value from one atomic call", async () => {
    const user = store("increment").subject("u1");
    expect(await user.increment("n", 2)).toEqual({ value: 2, old: 0 });
    expect(await user.increment("n", 0.1)).toEqual({ value: 2.1, old: 2 });
    // The exact old value, not value − by (2.1 + 0.2 − 0.2 !== 2.1 in doubles).
    expect(await user.increment("n", 0.2)).toEqual({ value: 2.1 + 0.2, old: 2.1 });
    expect(await user.increment("e", -1, { extended: true })).toEqual({ value: -1, old: 0 });
    await t.client.command(["HSET", user.key, "ptext", '"abc"']);
    await expect(user.increment("text", 1)).rejects.toBeInstanceOf(SubjectValueError);
    expect(await t.client.command(["HGET", user.key, "ptext"])).toBe('"abc"');
  });

  it("incr adds atomically, keeps JSON numbers and refuses non-numbers", async () => {
    const user = store("incr").subject("u1");
    expect(await user.incr("hits")).toBe(1);
    expect(await user.incr("hits", 41)).toBe(42);
    expect(await t.client.command(["HGET", user.key, "phits"])).toBe("42");
    expect(await user.incr("hits", -50)).toBe(-8);
    expect(await user.incr("ratio", 0.1)).toBe(0.1);
    expect(await user.incr("ratio", 0.2)).toBe(0.1 + 0.2);
    expect(await t.client.command(["HGET", user.key, "pratio"])).toBe(String(0.1 + 0.2));
    expect(await user.incr("score", 2.5, { extended: true })).toBe(2.5);
    expect(await user.get("score", { extended: true })).toBe(2.5);

    // Python writes floats with a fraction ("5.0") and large ones with an exponent.
    await t.client.command(["HSET", user.key, "pfloat", "5.0", "pexp", "1e+20"]);
    expect(await user.incr("float", 1)).toBe(6);
    expect(await user.incr("exp", 1)).toBe(1e20 + 1);
    expect(await t.client.command(["HGET", user.key, "pexp"])).toBe("100000000000000000000");

    for (const stored of ['"5"', "true", "null", "[1]", "NaN", "abc"]) {
      await t.client.command(["HSET", user.key, "pbad", stored]);
      const error = await user.incr("bad").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SubjectValueError);
      expect((error as Error).message).toMatch(/"bad".*not.*number/i);
      expect(await t.client.command(["HGET", user.key, "pbad"])).toBe(stored);
    }
    await user.set("huge", 1.7e308);
    await expect(user.incr("huge", 1.7e308)).rejects.toThrow(/finite/);
    await expect(user.incr("hits", Number.NaN)).rejects.toBeInstanceOf(ValidationError);
  });

  it("incr is atomic under concurrency", async () => {
    const prefix = `${t.key("incr-many")}:`;
    const clients = Array.from({ length: 5 }, () => t.makeClient());
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        createSubjects(clients[i % 5]!, { prefix })
          .subject("c")
          .incr("n", 2),
      ),
    );
    expect(await createSubjects(t.client, { prefix }).subject("c").get("n")).toBe(200);
  });

  it("store applies sets, extended sets and deletes in one atomic call", async () => {
    const user = store("store").subject("u1");
    await user.store({ set: { a: 1, b: 2, gone: true }, setExt: { x: "ext" } });
    await user.store({ set: { a: 10, c: [3] }, delete: ["gone", "never"], deleteExt: ["x"] });
    expect(await rawHash(user.key)).toEqual({ pa: "10", pb: "2", pc: "[3]" });
    await user.store({});
    await user.store({ set: {}, delete: [] });

    await expect(user.store({ set: { d: 4, e: Number.NaN } })).rejects.toThrow(/changes\.set\.e/);
    await expect(user.store({ set: { a: 1 }, delete: ["a"] })).rejects.toThrow(/also being set/);
    await expect(user.store({ set: { "": 1 } })).rejects.toBeInstanceOf(ValidationError);
    await expect(user.store({ delete: ["b"], drop: [] } as never)).rejects.toThrow(ValidationError);
    expect(await rawHash(user.key)).toEqual({ pa: "10", pb: "2", pc: "[3]" });
  });

  it("deletes a property, lists extended props and flushes the subject", async () => {
    const user = store("misc").subject("u1");
    await user.store({ set: { a: 1, e: "default named e" }, setExt: { x: 1, y: { z: [2] } } });
    expect(await user.extProps()).toEqual({ x: 1, y: { z: [2] } });
    expect(await user.delete("a")).toBe(true);
    expect(await user.delete("a")).toBe(false);
    expect(await user.delete("x", { extended: true })).toBe(true);
    expect(await user.load()).toEqual({ props: { e: "default named e" }, ext: { y: { z: [2] } } });
    expect(await user.flush()).toBe(true);
    expect(await user.flush()).toBe(false);
    expect(await t.client.command(["EXISTS", user.key])).toBe(0);
    expect(await user.load()).toEqual({ props: {}, ext: {} });
    expect(await user.extProps()).toEqual({});
  });

  it("extProps pages through a large subject with HSCAN MATCH e*", async () => {
    const user = store("ext-many").subject("u1");
    const setExt = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`x${i}`, i]));
    const set = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`p${i}`, i]));
    await user.store({ set, setExt });
    const ext = await user.extProps();
    expect(Object.keys(ext)).toHaveLength(600);
    expect(ext.x599).toBe(599);
  });

  it("validates names and builds keys through the client's keyPrefix", async () => {
    expect(() => createSubjects(t.client, { prefix: "a{b}" })).toThrow(/options\.prefix/);
    expect(() => createSubjects(t.client, { prefix: "a\nb" })).toThrow(ValidationError);
    const subjects = createSubjects(t.client);
    expect(subjects.prefix).toBe("");
    expect(subjects.subject("user|1").key).toBe("s:user|1");
    expect(() => subjects.subject("")).toThrow(/subject/);
    expect(() => subjects.subject("{slot}")).toThrow(/subject/);
    expect(() => subjects.subject("tab\there")).toThrow(/control/);
    const user = store("names").subject("u1");
    await expect(user.get("")).rejects.toThrow(/prop/);
    await expect(user.set("a\u0000", 1)).rejects.toThrow(/prop/);
    await expect(user.set("a", undefined)).rejects.toBeInstanceOf(ValidationError);
    expect(await t.client.command(["EXISTS", user.key])).toBe(0);

    const prefixed = t.makeClient({ keyPrefix: `${t.key("kp")}:` });
    const other = createSubjects(prefixed).subject("u1");
    expect(other.key).toBe(`s:${t.key("kp")}:u1`);
    await other.set("{braces} ok", 1);
    expect(await t.client.command(["HGET", other.key, "p{braces} ok"])).toBe("1");
    await other.flush();
  });

  // KRules: REDIS_KEY_PREFIX=myapp: -> `s:myapp:user-123`. Whichever way redge is given the same
  // prefix, it must read and write that very key, so a Python service and redge share subjects.
  it("puts the configured prefix after s:, as KRules: env, client keyPrefix, subjects option", async () => {
    const prefix = `${t.key("krules")}:myapp:`;
    const krulesKey = `s:${prefix}user-123`;
    // What KRules wrote (json.dumps text), straight to Redis.
    await t.client.command(["HSET", krulesKey, "pname", '"John Doe"', "page", "30"]);

    const fromEnv = t.makeClientFromEnv({ REDIS_KEY_PREFIX: prefix });
    expect(fromEnv.keyPrefix).toBe(prefix);
    const fromClient = t.makeClient({ keyPrefix: prefix });
    const ways = [
      ["REDIS_KEY_PREFIX", createSubjects(fromEnv)],
      ["client keyPrefix", fromClient.subjects()],
      ["subjects option", createSubjects(t.client, { prefix })],
    ] as const;
    for (const [way, subjects] of ways) {
      const user = subjects.subject("user-123");
      expect(user.key, way).toBe(krulesKey);
      expect(subjects.keyOf("user-123"), way).toBe(krulesKey);
      expect(subjects.prefix, way).toBe(prefix);
      expect(await user.get("name"), way).toBe("John Doe");
    }
    await ways[0][1].subject("user-123").incr("age", 1);
    await ways[1][1].subject("user-123").set("city", "Turin", { extended: true });
    expect(await rawHash(krulesKey)).toEqual({
      pname: '"John Doe"',
      page: "31",
      ecity: '"Turin"',
    });
    // Nothing was written at the old place (keyPrefix in front of s:).
    expect(await t.client.command(["EXISTS", `${prefix}s:user-123`])).toBe(0);

    // Both given: the client-wide keyPrefix first, then the store's prefix.
    const both = createSubjects(fromClient, { prefix: "orders:" });
    expect(both.prefix).toBe(`${prefix}orders:`);
    expect(both.subject("o-1").key).toBe(`s:${prefix}orders:o-1`);
    await t.client.command(["DEL", krulesKey]);
  });
});
