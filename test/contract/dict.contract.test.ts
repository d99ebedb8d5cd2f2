/**
 * Contract: dict, identical over TCP and REST.
 */
import { expect, it } from "vitest";
import * as z from "zod";
import { createDict, DictValueError } from "../../src/dict/index.js";
import { ValidationError } from "../../src/index.js";
import { describeTransports } from "./transports.js";

describeTransports("dict", (t) => {
  const hashKey = (name: string) => `d:{${name}}`;

  it("gets, sets, checks, deletes, counts and clears JSON values", async () => {
    const name = t.key("basic");
    const dict = createDict(t.client, name);
    expect(dict.key).toBe(hashKey(name));
    const values: [string, unknown][] = [
      ["object", { a: 1, nested: { list: [1, "two", null, true] } }],
      ["string", "héllo 🌍 世界"],
      ["number", 3.25],
      ["null", null],
      ["false", false],
      ["empty", ""],
      ["json-looking", '{"a":1}'],
    ];
    for (const [key, value] of values) await dict.set(key, value);
    for (const [key, value] of values) expect(await dict.get(key)).toEqual(value);
    expect(await t.client.command(["HGET", dict.key, "object"])).toBe(
      '{"a":1,"nested":{"list":[1,"two",null,true]}}',
    );
    expect(await dict.get("missing")).toBeUndefined();
    expect(await dict.has("null")).toBe(true);
    expect(await dict.has("missing")).toBe(false);
    expect(await dict.size()).toBe(values.length);
    expect(await dict.delete("string")).toBe(true);
    expect(await dict.delete("string")).toBe(false);
    expect(await dict.get("string")).toBeUndefined();
    expect(await dict.size()).toBe(values.length - 1);
    await dict.clear();
    expect(await dict.size()).toBe(0);
    expect(await t.client.command(["EXISTS", dict.key])).toBe(0);
  });

  it("rejects values JSON cannot carry and bad names, writing nothing", async () => {
    const dict = createDict(t.client, t.key("reject"));
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, undefined, 10n, () => 1]) {
      await expect(dict.set("k", value)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(dict.set("k", { deep: [1, Number.NaN] })).rejects.toThrow(/k\.deep\.1/);
    expect(await t.client.command(["EXISTS", dict.key])).toBe(0);
    expect(() => createDict(t.client, "a{b}")).toThrow(ValidationError);
    expect(() => createDict(t.client, "")).toThrow(/name/);
    expect(() => createDict(t.client, "x", { ttlMs: -5 })).toThrow(/options\.ttlMs/);
    expect(() => createDict(t.client, "x", { schema: {} as never })).toThrow(/options\.schema/);
    await expect(dict.get("k".repeat(2000))).rejects.toThrow(/key/);
  });

  it("setMany writes every entry atomically, or nothing when one is rejected", async () => {
    const dict = createDict<number>(t.client, t.key("many"));
    await dict.setMany({ a: 1, b: 2 });
    await dict.setMany(
      new Map([
        ["c", 3],
        ["d", 4],
      ]),
    );
    await dict.setMany([["e", 5]]);
    await dict.setMany([]);
    expect(await dict.toObject()).toEqual({ a: 1, b: 2, c: 3, d: 4, e: 5 });
    await expect(
      dict.setMany([
        ["f", 6],
        ["g", Number.NaN],
      ]),
    ).rejects.toThrow(/g/);
    expect(await dict.has("f")).toBe(false);
    await expect(dict.setMany([["h", 1], [5, 2] as never])).rejects.toThrow(/entries\.1\.0/);
    expect(await dict.has("h")).toBe(false);
  });

  it("iterates 5,000 entries with HSCAN pages, each key exactly once", async () => {
    const dict = createDict<{ i: number }>(t.client, t.key("big"), { scanCount: 100 });
    const entries = Array.from({ length: 5_000 }, (_, i) => [`key:${i}`, { i }] as const);
    await dict.setMany(entries);
    expect(await dict.size()).toBe(5_000);

    let pages = 0;
    let total = 0;
    for await (const page of dict.pages()) {
      pages++;
      total += page.length;
    }
    expect(pages).toBeGreaterThan(10);
    expect(total).toBe(5_000);

    const keys: string[] = [];
    for await (const key of dict.keys()) keys.push(key);
    expect(keys).toHaveLength(5_000);
    expect(new Set(keys).size).toBe(5_000);

    let sum = 0;
    for await (const value of dict.values({ count: 500 })) sum += value.i;
    expect(sum).toBe((4_999 * 5_000) / 2);

    const seen = new Map<string, number>();
    for await (const [key, value] of dict) seen.set(key, value.i);
    expect(seen.size).toBe(5_000);
    expect(seen.get("key:1234")).toBe(1234);

    const object = await dict.toObject();
    expect(Object.keys(object)).toHaveLength(5_000);
    expect(object["key:4999"]).toEqual({ i: 4999 });
  });

  it("toObject reads a small dict in one snapshot and keeps odd keys as entries", async () => {
    const dict = createDict(t.client, t.key("small"));
    expect(await dict.toObject()).toEqual({});
    await dict.setMany({ constructor: 2, "": 3 });
    await dict.set("__proto__", { polluted: true });
    const object = await dict.toObject();
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.hasOwn(object, "__proto__")).toBe(true);
    expect(object.constructor).toBe(2);
    expect(object[""]).toBe(3);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("checks values against a schema on write, naming the key, and writes nothing", async () => {
    const schema = z.object({ name: z.string(), age: z.number().int().default(0) });
    const dict = createDict(t.client, t.key("schema"), { schema });
    await dict.set("ada", { name: "Ada" });
    expect(await dict.get("ada")).toEqual({ name: "Ada", age: 0 });
    expect(await t.client.command(["HGET", dict.key, "ada"])).toBe('{"name":"Ada","age":0}');

    const error = await dict.set("bob", { name: 42 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe("bob.name");
    await expect(
      dict.setMany([
        ["carl", { name: "Carl" }],
        ["dora", { age: 3 } as never],
      ]),
    ).rejects.toThrow(/dora\.name/);
    expect(await dict.size()).toBe(1);
  });

  it("checks stored values against the schema on read, naming the key", async () => {
    const schema = z.object({ name: z.string() });
    const dict = createDict(t.client, t.key("schema-read"), { schema });
    await dict.set("good", { name: "ok" });
    await t.client.command(["HSET", dict.key, "bad", '{"name": 7}']);
    await t.client.command(["HSET", dict.key, "garbled", "{not json"]);

    const error = await dict.get("bad").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DictValueError);
    expect((error as DictValueError).key).toBe("bad");
    expect((error as DictValueError).message).toMatch(/key "bad" in dict ".*schema-read"/);
    expect((error as DictValueError).issues[0]?.path).toBe("name");

    await expect(dict.get("garbled")).rejects.toThrow(/key "garbled".*not valid JSON/);
    await expect(dict.toObject()).rejects.toBeInstanceOf(DictValueError);
    await expect(
      (async () => {
        for await (const _ of dict.entries()) {
        }
      })(),
    ).rejects.toBeInstanceOf(DictValueError);
    expect(await dict.get("good")).toEqual({ name: "ok" });
  });

  it("refreshes the hash's expiry on every write (default one day)", async () => {
    const dict = createDict(t.client, t.key("ttl-default"));
    expect(dict.ttlMs).toBe(86_400_000);
    await dict.set("a", 1);
    const pttl = (await t.client.command(["PTTL", dict.key])) as number;
    expect(pttl).toBeGreaterThan(86_400_000 - 60_000);
    expect(pttl).toBeLessThanOrEqual(86_400_000);

    const short = createDict(t.client, t.key("ttl-short"), { ttlMs: 60_000 });
    for (const write of [
      () => short.set("a", 1),
      () => short.setMany({ b: 2 }),
      () => short.delete("a"),
    ]) {
      await t.client.command(["PEXPIRE", short.key, 1_000]);
      await write();
      const left = (await t.client.command(["PTTL", short.key])) as number;
      expect(left).toBeGreaterThan(50_000);
      expect(left).toBeLessThanOrEqual(60_000);
    }
  });

  it("with ttlMs null or 0 sets no expiry and leaves an existing one alone", async () => {
    for (const ttlMs of [null, 0]) {
      const dict = createDict(t.client, t.key(`ttl-none-${ttlMs}`), { ttlMs });
      expect(dict.ttlMs).toBeNull();
      await dict.set("a", 1);
      expect(await t.client.command(["PTTL", dict.key])).toBe(-1);
      await t.client.command(["PEXPIRE", dict.key, 30_000]);
      await dict.set("b", 2);
      expect(await t.client.command(["PTTL", dict.key])).toBeGreaterThan(20_000);
    }
  });

  it("builds its key through the client's keyPrefix", async () => {
    const prefixed = t.makeClient({ keyPrefix: "kp:" });
    const name = t.key("prefixed");
    const dict = createDict(prefixed, name);
    await dict.set("a", 1);
    expect(dict.key).toBe(`kp:${hashKey(name)}`);
    expect(await t.client.command(["HGET", `kp:${hashKey(name)}`, "a"])).toBe("1");
    await dict.clear();
  });
});
