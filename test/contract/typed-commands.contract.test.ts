/**
 * Contract: `client.redis`, the `@upstash/redis` typed API, on both transports — over REST the
 * library's own client through the gateway, over TCP the same library on the Requester redge
 * implements on the ioredis connection. Each transport runs the same broad script of typed
 * commands (strings, hashes, lists, sets, sorted sets, streams, scripts, pipelines, multi, error
 * replies); every result is checked here and recorded, and the last test compares the two
 * transcripts whole, with the key names (which carry the transport's name) made alike.
 */
import { errors } from "@upstash/redis";
import { describe, expect, it } from "vitest";
import { contractScript, describeTransports, type TransportName } from "./transports.js";

const transcripts = new Map<TransportName, unknown[]>();

describeTransports("typed commands (client.redis)", (t) => {
  // One hash tag for every key: multi-key commands stay in one slot on a Cluster too.
  const k = (name: string) => t.key(`{typed}:${name}`);
  const prefix = () => t.key("{typed}:");
  const record = <T>(value: T): T => {
    const normal = JSON.parse(JSON.stringify(value ?? null).replaceAll(prefix(), "K:"));
    const list = transcripts.get(t.name) ?? [];
    list.push(normal);
    transcripts.set(t.name, list);
    return value;
  };

  it("strings, with the library's JSON (de)serialization", async () => {
    const redis = t.client.redis;
    expect(record(await redis.set(k("s"), "hello"))).toBe("OK");
    expect(record(await redis.get<string>(k("s")))).toBe("hello");
    expect(record(await redis.set(k("obj"), { a: 1, b: [true, null] }))).toBe("OK");
    expect(record(await redis.get(k("obj")))).toEqual({ a: 1, b: [true, null] });
    expect(record(await redis.set(k("s"), "again", { nx: true }))).toBeNull();
    expect(record(await redis.set(k("ttl"), "v", { ex: 600 }))).toBe("OK");
    expect(record((await redis.ttl(k("ttl"))) > 0)).toBe(true);
    expect(record(await redis.incr(k("n")))).toBe(1);
    expect(record(await redis.incrby(k("n"), 41))).toBe(42);
    expect(record(await redis.incrbyfloat(k("f"), 1.5))).toBe(1.5);
    expect(record(await redis.mset({ [k("m1")]: "x", [k("m2")]: 2 }))).toBe("OK");
    expect(record(await redis.mget(k("m1"), k("m2"), k("missing")))).toEqual(["x", 2, null]);
    expect(record(await redis.append(k("s"), "!"))).toBe(6);
    expect(record(await redis.strlen(k("s")))).toBe(6);
    expect(record(await redis.getrange(k("s"), 0, 1))).toBe("he");
    expect(record(await redis.getdel(k("s")))).toBe("hello!");
    expect(record(await redis.exists(k("s"), k("n")))).toBe(1);
    expect(record(await redis.set(k("u"), "héllo 🌍 世界"))).toBe("OK");
    expect(record(await redis.get(k("u")))).toBe("héllo 🌍 世界");
    expect(record(await redis.del(k("n"), k("f")))).toBe(2);
  });

  it("hashes", async () => {
    const redis = t.client.redis;
    expect(record(await redis.hset(k("h"), { a: 1, b: "two", c: { deep: true } }))).toBe(3);
    expect(record(await redis.hget(k("h"), "a"))).toBe(1);
    expect(record(await redis.hgetall(k("h")))).toEqual({ a: 1, b: "two", c: { deep: true } });
    expect(record(await redis.hincrby(k("h"), "a", 9))).toBe(10);
    expect(record(await redis.hmget(k("h"), "a", "b", "nope"))).toEqual({
      a: 10,
      b: "two",
      nope: null,
    });
    expect(record((await redis.hkeys(k("h"))).sort())).toEqual(["a", "b", "c"]);
    expect(record(await redis.hexists(k("h"), "b"))).toBe(1);
    expect(record(await redis.hdel(k("h"), "b", "nope"))).toBe(1);
    expect(record(await redis.hlen(k("h")))).toBe(2);
  });

  it("lists", async () => {
    const redis = t.client.redis;
    expect(record(await redis.rpush(k("l"), "a", "b", "c"))).toBe(3);
    expect(record(await redis.lpush(k("l"), "z"))).toBe(4);
    expect(record(await redis.lrange(k("l"), 0, -1))).toEqual(["z", "a", "b", "c"]);
    expect(record(await redis.lindex(k("l"), 1))).toBe("a");
    expect(record(await redis.lpop(k("l")))).toBe("z");
    expect(record(await redis.rpop(k("l"), 2))).toEqual(["c", "b"]);
    expect(record(await redis.rpush(k("l"), "b", "a"))).toBe(3);
    expect(record(await redis.lrem(k("l"), 0, "a"))).toBe(2);
    expect(record(await redis.lmove(k("l"), k("l2"), "left", "right"))).toBe("b");
    expect(record(await redis.llen(k("l2")))).toBe(1);
  });

  it("sets", async () => {
    const redis = t.client.redis;
    expect(record(await redis.sadd(k("s1"), "a", "b", "c"))).toBe(3);
    expect(record(await redis.sadd(k("s2"), "b", "c", "d"))).toBe(3);
    expect(record((await redis.smembers(k("s1"))).sort())).toEqual(["a", "b", "c"]);
    expect(record(await redis.sismember(k("s1"), "a"))).toBe(1);
    expect(record((await redis.sinter(k("s1"), k("s2"))).sort())).toEqual(["b", "c"]);
    expect(record((await redis.sunion(k("s1"), k("s2"))).sort())).toEqual(["a", "b", "c", "d"]);
    expect(record(await redis.srem(k("s1"), "a", "x"))).toBe(1);
    expect(record(await redis.scard(k("s1")))).toBe(2);
  });

  it("sorted sets", async () => {
    const redis = t.client.redis;
    expect(
      record(
        await redis.zadd(
          k("z"),
          { score: 1, member: "one" },
          { score: 2.5, member: "two" },
          { score: 3, member: "three" },
        ),
      ),
    ).toBe(3);
    expect(record(await redis.zrange(k("z"), 0, -1, { withScores: true }))).toEqual([
      "one",
      1,
      "two",
      2.5,
      "three",
      3,
    ]);
    expect(record(await redis.zscore(k("z"), "two"))).toBe(2.5);
    expect(record(await redis.zincrby(k("z"), 10, "one"))).toBe(11);
    expect(record(await redis.zrank(k("z"), "one"))).toBe(2);
    expect(record(await redis.zrange(k("z"), "+inf", 3, { byScore: true, rev: true }))).toEqual([
      "one",
      "three",
    ]);
    expect(record(await redis.zrem(k("z"), "two"))).toBe(1);
    expect(record(await redis.zcard(k("z")))).toBe(2);
  });

  it("streams", async () => {
    const redis = t.client.redis;
    expect(record(await redis.xadd(k("x"), "1-1", { f: "v1" }))).toBe("1-1");
    expect(record(await redis.xadd(k("x"), "2-1", { f: "v2", g: 7 }))).toBe("2-1");
    expect(record(await redis.xlen(k("x")))).toBe(2);
    expect(record(await redis.xrange(k("x"), "-", "+"))).toEqual({
      "1-1": { f: "v1" },
      "2-1": { f: "v2", g: 7 },
    });
    expect(record(await redis.xgroup(k("x"), { type: "CREATE", group: "g", id: "0" }))).toBe("OK");
    const read = record(await redis.xreadgroup("g", "c", k("x"), ">", { count: 1 }));
    expect(JSON.stringify(read)).toContain("1-1");
    expect(record(await redis.xack(k("x"), "g", "1-1"))).toBe(1);
    expect(record(await redis.xdel(k("x"), "1-1"))).toBe(1);
    expect(record(await redis.xtrim(k("x"), { strategy: "MAXLEN", threshold: 0 }))).toBe(1);
  });

  it("scripts: eval, evalsha and createScript", async () => {
    const redis = t.client.redis;
    const source = contractScript(t.name);
    expect(record(await redis.eval(source, [k("lua")], ["5"]))).toBe(5);
    const script = redis.createScript<number>(source);
    expect(record(await script.exec([k("lua")], ["2"]))).toBe(7);
    expect(record(await redis.evalsha(await script.sha1, [k("lua")], ["1"]))).toBe(8);
  });

  it("pipelines, with and without keepErrors", async () => {
    const redis = t.client.redis;
    const results = await redis
      .pipeline()
      .set(k("p"), 1)
      .incr(k("p"))
      .get(k("p"))
      .hset(k("ph"), { f: "v" })
      .exec();
    expect(record(results)).toEqual(["OK", 2, 2, 1]);
    const kept = await redis.pipeline().get(k("p")).lpush(k("p"), "x").exec({ keepErrors: true });
    record(kept);
    expect(kept[0]).toEqual({ result: 2, error: undefined });
    expect(kept[1]?.error).toMatch(/^WRONGTYPE/);
    const failed = await redis
      .pipeline()
      .get(k("p"))
      .lpush(k("p"), "x")
      .exec()
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(errors.UpstashError);
    expect(record((failed as Error).message)).toMatch(/^Command 2 \[ lpush \] failed: WRONGTYPE/);
  });

  it("multi: atomic, with run-time errors per command and refusals thrown", async () => {
    const redis = t.client.redis;
    expect(
      record(await redis.multi().set(k("t"), 10).incrby(k("t"), 5).get(k("t")).exec()),
    ).toEqual(["OK", 15, 15]);
    const mixed = await redis.multi().incr(k("t")).lpush(k("t"), "x").exec({ keepErrors: true });
    record(mixed);
    expect(mixed[0]).toEqual({ result: 16, error: undefined });
    expect(mixed[1]?.error).toMatch(/^WRONGTYPE/);
    expect(record(await redis.get(k("t")))).toBe(16);
  });

  it("error replies throw UpstashError with Redis' message, as on REST", async () => {
    const redis = t.client.redis;
    await redis.set(k("e"), "text");
    const error = await redis.lpush(k("e"), "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.UpstashError);
    expect(record((error as Error).message)).toMatch(
      /^WRONGTYPE Operation against a key holding the wrong kind of value, command was: \["lpush",/,
    );
    const arity = await redis.incrby(k("e"), Number.NaN).catch((e: unknown) => e);
    expect(arity).toBeInstanceOf(errors.UpstashError);
  });
});

describe("typed commands: the transports agree", () => {
  it("recorded the same results on TCP and on REST", () => {
    // "tcp"/"rest", or "tcp-cluster"/"rest-cluster" in test/ha/cluster-contract.test.ts.
    const tcp = transcripts.get("tcp") ?? transcripts.get("tcp-cluster");
    const rest = transcripts.get("rest") ?? transcripts.get("rest-cluster");
    expect(tcp?.length).toBeGreaterThan(60);
    expect(rest).toEqual(tcp);
  });
});
