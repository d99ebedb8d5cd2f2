/**
 * The official @upstash/redis client, unmodified and with its defaults (base64 responses,
 * auto-pipelining), against the gateway in front of a real redis-server.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createScriptUser } from "../helpers/acl.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const READ_TOKEN = `ro-${randomUUID()}`;
const prefix = `gw:${randomUUID()}:`;
const key = (name: string) => `${prefix}${name}`;

let gateway: RunningGateway;
let redis: Redis;
/** Same client with automatic JSON deserialization off, to see strings exactly as stored. */
let raw: Redis;

beforeAll(async () => {
  gateway = await startGateway({ redisUrl: inject("redisUrl"), readOnlyTokens: [READ_TOKEN] });
  redis = new Redis({ url: gateway.url, token: gateway.token });
  raw = new Redis({ url: gateway.url, token: gateway.token, automaticDeserialization: false });
});
afterAll(async () => {
  await gateway?.close();
});

describe("@upstash/redis through the gateway", () => {
  it("sets and gets", async () => {
    expect(await redis.set(key("a"), "hello")).toBe("OK");
    expect(await redis.get(key("a"))).toBe("hello");
    expect(await redis.get(key("missing"))).toBeNull();
    await redis.set(key("obj"), { n: 1, list: ["x"] });
    expect(await redis.get(key("obj"))).toEqual({ n: 1, list: ["x"] });
    expect(await redis.incr(key("n"))).toBe(1);
  });

  it("round-trips unicode, every code point 0x01-0xff and look-alike strings exactly", async () => {
    const allLatin1 = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join("");
    const values = [
      "emoji 👋🏽🎉 and CJK 漢字かなカナ한국어",
      allLatin1,
      "aGVsbG8=",
      "SGVsbG8gV29ybGQ",
      "abcd",
      '{"looks":"like json"}',
      "[1,2,3]",
      "123",
      "OK",
      "",
      "null",
    ];
    await Promise.all(values.map((value, i) => raw.set(key(`s${i}`), value)));
    const got = await Promise.all(values.map((_, i) => raw.get(key(`s${i}`))));
    expect(got).toEqual(values);
    expect(await raw.mget(...values.map((_, i) => key(`s${i}`)))).toEqual(values);
  });

  it("stores and reads a 1 MB value", async () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) =>
      String.fromCharCode(33 + (i % 90)),
    ).join("");
    expect(await raw.set(key("big"), big)).toBe("OK");
    const back = await raw.get<string>(key("big"));
    expect(back?.length).toBe(1_000_000);
    expect(back === big).toBe(true);
  });

  it("runs a 1000-command pipeline in order", async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.incr(key("p"));
    const results = await pipeline.exec<number[]>();
    expect(results).toHaveLength(1000);
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it("reports a failing command inside a pipeline per command", async () => {
    await redis.set(key("str"), "x");
    const results = await redis
      .pipeline()
      .set(key("pp"), "1")
      .lpush(key("str"), "y")
      .get(key("pp"))
      .exec({ keepErrors: true });
    expect(results[0]).toMatchObject({ result: "OK" });
    expect(results[1]?.error).toMatch(/^WRONGTYPE/);
    expect(results[2]).toMatchObject({ result: 1 });
  });

  it("runs multi-exec atomically", async () => {
    const results = await redis.multi().set(key("m"), "1").incr(key("m")).get(key("m")).exec();
    expect(results).toEqual(["OK", 2, 2]);
  });

  it("never interleaves two concurrent transactions", async () => {
    const counter = key("tx");
    const run = () => {
      const tx = redis.multi();
      for (let i = 0; i < 50; i++) tx.incr(counter);
      return tx.exec<number[]>();
    };
    const [a, b] = await Promise.all([run(), run()]);
    for (const results of [a, b]) {
      for (let i = 1; i < results.length; i++) expect(results[i]).toBe(results[0]! + i);
    }
    expect(new Set([a[0], b[0]])).toEqual(new Set([1, 51]));
  });

  it("returns hashes and sorted sets", async () => {
    await redis.hset(key("h"), { name: "ada", age: 36, emoji: "🧮" });
    expect(await redis.hgetall(key("h"))).toEqual({ name: "ada", age: 36, emoji: "🧮" });
    await redis.zadd(
      key("z"),
      { score: 2, member: "b" },
      { score: 1, member: "a" },
      { score: 3.5, member: "c" },
    );
    expect(await redis.zrange(key("z"), 0, -1)).toEqual(["a", "b", "c"]);
    expect(await redis.zrange(key("z"), 0, -1, { withScores: true })).toEqual([
      "a",
      1,
      "b",
      2,
      "c",
      3.5,
    ]);
    expect(await redis.zscore(key("z"), "c")).toBe(3.5);
  });

  it("surfaces Redis' error message", async () => {
    await redis.set(key("wrongtype"), "x");
    await expect(redis.lpush(key("wrongtype"), "y")).rejects.toThrow(/WRONGTYPE/);
  });

  it("refuses a wrong token", async () => {
    const wrong = new Redis({ url: gateway.url, token: "not-the-token" });
    await expect(wrong.get(key("a"))).rejects.toThrow(/Unauthorized/);
  });

  it("lets a read-only token read but not write", async () => {
    await redis.set(key("ro"), "value");
    const reader = new Redis({ url: gateway.url, token: READ_TOKEN });
    expect(await reader.get(key("ro"))).toBe("value");
    expect(await reader.exists(key("ro"))).toBe(1);
    await expect(reader.set(key("ro"), "changed")).rejects.toThrow(/NOPERM/);
    expect(await redis.get(key("ro"))).toBe("value");
  });

  it("refuses denied commands with a message naming them", async () => {
    await expect(redis.flushall()).rejects.toThrow(/FLUSHALL is disabled/);
  });
});

describe("scripts with NOSCRIPT fallback", () => {
  let server: RunningRedis;
  let scriptGateway: RunningGateway;
  let direct: IORedis;

  beforeAll(async () => {
    // Its own server: SCRIPT FLUSH must not disturb other test files' scripts.
    server = await startRedisServer();
    // Arbitrary scripts need --allow-scripts and a Redis user barred from denied commands.
    scriptGateway = await startGateway({
      redisUrl: await createScriptUser(server.url, { allow: new Set(["SCRIPT FLUSH"]) }),
      allow: ["SCRIPT FLUSH"],
      allowScripts: true,
    });
    direct = new IORedis(server.url);
  });
  afterAll(async () => {
    direct?.disconnect();
    await scriptGateway?.close();
    await server?.stop();
  });

  it("createScript works, and keeps working after SCRIPT FLUSH", async () => {
    const client = new Redis({ url: scriptGateway.url, token: scriptGateway.token });
    const script = client.createScript<number>("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    expect(await script.exec([key("sc")], ["2"])).toBe(2);
    expect(await direct.script("EXISTS", script.sha1)).toEqual([1]);

    await direct.script("FLUSH");
    // EVALSHA now fails with NOSCRIPT, which the client sees and answers with EVAL.
    const evalsha = await fetch(`${scriptGateway.url}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${scriptGateway.token}` },
      body: JSON.stringify(["EVALSHA", script.sha1, "1", key("sc"), "1"]),
    });
    expect(evalsha.status).toBe(400);
    expect((await evalsha.json()).error).toMatch(/^NOSCRIPT/);
    expect(await script.exec([key("sc")], ["3"])).toBe(5);

    // SCRIPT FLUSH is allowed on this gateway, so the client can flush through it too.
    expect(await client.scriptFlush()).toBe("OK");
    expect(await script.exec([key("sc")], ["1"])).toBe(6);
  });
});
