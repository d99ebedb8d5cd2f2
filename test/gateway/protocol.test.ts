/**
 * The rest of Upstash's documented REST surface, beyond what the official client sends: path-style
 * commands (GET, POST, PUT, HEAD) with the body as the last argument byte for byte, `?_token=`
 * only when allowed, `Upstash-Response-Format`, the "OK" status under base64, and numbers beyond
 * 2^53 kept exact.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";

const READ_TOKEN = `ro-${randomUUID()}`;
const prefix = `proto:${randomUUID()}:`;
const key = (name: string) => `${prefix}${name}`;
const path = (...parts: string[]) => `/${parts.map(encodeURIComponent).join("/")}`;

let gateway: RunningGateway;
let withQueryToken: RunningGateway;
let direct: Redis;

beforeAll(async () => {
  gateway = await startGateway({
    redisUrl: inject("redisUrl"),
    readOnlyTokens: [READ_TOKEN],
    maxBodyBytes: 64 * 1024,
  });
  withQueryToken = await startGateway({ redisUrl: inject("redisUrl"), allowQueryToken: true });
  direct = new Redis(inject("redisUrl"));
});
afterAll(async () => {
  direct?.disconnect();
  await gateway?.close();
  await withQueryToken?.close();
});

async function send(
  route: string,
  options: {
    method?: string;
    body?: BodyInit;
    token?: string | null;
    headers?: Record<string, string>;
    target?: RunningGateway;
  } = {},
) {
  const target = options.target ?? gateway;
  const token = options.token === undefined ? target.token : options.token;
  const response = await fetch(`${target.url}${route}`, {
    method: options.method ?? "GET",
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, bytes, json };
}

describe("path-style commands", () => {
  it("runs /set/foo/bar, /get/foo and options as further segments, with GET, POST and PUT", async () => {
    expect((await send(path("set", key("a"), "bar"))).json).toEqual({ result: "OK" });
    expect((await send(path("get", key("a")))).json).toEqual({ result: "bar" });
    expect((await send(path("set", key("a"), "baz", "EX", "100"), { method: "PUT" })).json).toEqual(
      { result: "OK" },
    );
    expect(await direct.ttl(key("a"))).toBeGreaterThan(90);
    expect((await send(path("get", key("a")), { method: "POST" })).json).toEqual({
      result: "baz",
    });
    // One trailing slash is no argument.
    expect((await send(`${path("get", key("a"))}/`)).json).toEqual({ result: "baz" });
  });

  it("URL-decodes every segment: slashes, spaces and UTF-8 inside arguments", async () => {
    const value = "a/b c?d#e%f 漢字 👋";
    expect((await send(path("set", key("decoded/key"), value))).json).toEqual({ result: "OK" });
    expect(await direct.get(key("decoded/key"))).toBe(value);
    const bad = await send(`/get/${encodeURIComponent(key("x"))}%FF`);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: expect.stringMatching(/percent-encoded UTF-8/) });
  });

  it("appends a POST or PUT body as the last argument byte for byte, query parameters after it", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect((await send(path("set", key("bin")), { method: "POST", body: bytes })).json).toEqual({
      result: "OK",
    });
    expect((await direct.getBuffer(key("bin")))?.equals(bytes)).toBe(true);

    const json = '{"a": [1, 2, "three"]}';
    await send(`${path("set", key("json"))}?EX=100`, { method: "PUT", body: json });
    expect(await direct.get(key("json"))).toBe(json);
    expect(await direct.ttl(key("json"))).toBeGreaterThan(90);

    // A flag without a value is one argument: SET k <body> NX.
    await direct.set(key("nx"), "first");
    const nx = await send(`${path("set", key("nx"))}?NX`, { method: "POST", body: "second" });
    expect(nx.json).toEqual({ result: null });
    expect(await direct.get(key("nx"))).toBe("first");
  });

  it("bounds the body as every other (413) and writes nothing", async () => {
    const big = await send(path("set", key("big")), {
      method: "POST",
      body: Buffer.alloc(65 * 1024, 1),
    });
    expect(big.status).toBe(413);
    expect(await direct.exists(key("big"))).toBe(0);
  });

  it("passes the same policy as POST /", async () => {
    const flush = await send("/flushall");
    expect(flush.status).toBe(400);
    expect(flush.json).toEqual({ error: expect.stringMatching(/FLUSHALL is disabled/) });
    expect((await send("/blpop/x/0")).status).toBe(400);
    expect((await send(path("set", key("ro"), "v"), { token: READ_TOKEN })).status).toBe(403);
    expect(await direct.exists(key("ro"))).toBe(0);
    await direct.set(key("ro"), "readable");
    expect((await send(path("get", key("ro")), { token: READ_TOKEN })).json).toEqual({
      result: "readable",
    });
    // A script as the body is checked by its SHA-1 like any other: unknown, so refused.
    const script = await send("/eval?0", { method: "POST", body: "return 1" });
    expect(script.status).toBe(403);
  });

  it("answers HEAD for read-only commands, without a body, and never runs a write", async () => {
    await direct.set(key("head"), "v");
    const read = await send(path("get", key("head")), { method: "HEAD" });
    expect(read.status).toBe(200);
    expect(read.bytes.byteLength).toBe(0);
    const write = await send(path("set", key("head-write"), "v"), { method: "HEAD" });
    expect(write.status).toBe(405);
    expect(write.headers.get("allow")).toBe("GET, POST, PUT");
    expect(await direct.exists(key("head-write"))).toBe(0);
    expect((await send(path("get", key("head")), { method: "HEAD", token: null })).status).toBe(
      401,
    );
  });
});

describe("tokens in the URL (_token)", () => {
  it("are refused by default, saying why", async () => {
    const answer = await send(`${path("get", key("t"))}?_token=${gateway.token}`, { token: null });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: expect.stringMatching(/_token.*logs/) });
  });

  it("work when the operator allows them, and never become an argument", async () => {
    await direct.set(key("t"), "by query");
    const token = withQueryToken.token;
    const answer = await send(`${path("get", key("t"))}?_token=${token}`, {
      token: null,
      target: withQueryToken,
    });
    expect(answer.json).toEqual({ result: "by query" });
    const wrong = await send(`${path("get", key("t"))}?_token=wrong`, {
      token: null,
      target: withQueryToken,
    });
    expect(wrong.status).toBe(401);
  });
});

describe("Upstash-Response-Format", () => {
  const resp2 = { "upstash-response-format": "resp2" };

  it("resp2 answers the raw RESP2 reply as application/octet-stream", async () => {
    const ok = await send("/", { method: "POST", body: '["SET","k-resp","bar"]', headers: resp2 });
    expect(ok.headers.get("content-type")).toBe("application/octet-stream");
    expect(ok.bytes.toString()).toBe("+OK\r\n");
    expect((await send("/get/k-resp", { headers: resp2 })).bytes.toString()).toBe("$3\r\nbar\r\n");
    await direct.set(key("ok-value"), "OK");
    expect((await send(path("get", key("ok-value")), { headers: resp2 })).bytes.toString()).toBe(
      "$2\r\nOK\r\n",
    );
    expect((await send(path("get", key("none")), { headers: resp2 })).bytes.toString()).toBe(
      "$-1\r\n",
    );
    await direct.del(key("list"));
    await direct.rpush(key("list"), "a", "b\r\nc");
    expect(
      (await send(path("lrange", key("list"), "0", "-1"), { headers: resp2 })).bytes.toString(),
    ).toBe("*2\r\n$1\r\na\r\n$4\r\nb\r\nc\r\n");
    expect((await send("/ping", { headers: resp2 })).bytes.toString()).toBe("+PONG\r\n");
  });

  it("a resp2 pipeline is the replies one after the other; multi-exec stays JSON", async () => {
    await direct.set(key("str"), "x");
    const body = JSON.stringify([
      ["INCR", key("counter-r")],
      ["LPUSH", key("str"), "y"],
      ["TYPE", key("str")],
    ]);
    const piped = await send("/pipeline", { method: "POST", body, headers: resp2 });
    expect(piped.bytes.toString()).toMatch(/^:1\r\n-WRONGTYPE [^\r\n]+\r\n\+string\r\n$/);
    const tx = await send("/multi-exec", {
      method: "POST",
      body: JSON.stringify([["INCR", key("counter-r")]]),
      headers: resp2,
    });
    expect(tx.json).toEqual([{ result: 2 }]);
  });

  it("json is the default; any other value, or resp2 with base64, is a 400", async () => {
    const json = await send("/ping", { headers: { "upstash-response-format": "json" } });
    expect(json.json).toEqual({ result: "PONG" });
    const unknown = await send("/ping", { headers: { "upstash-response-format": "xml" } });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ error: expect.stringMatching(/json or resp2/) });
    const both = await send("/ping", {
      headers: { ...resp2, "upstash-encoding": "base64" },
    });
    expect(both.status).toBe(400);
    const pipelined = await send("/pipeline", {
      method: "POST",
      body: '[["PING"]]',
      headers: { "upstash-response-format": "nope" },
    });
    expect(pipelined.status).toBe(400);
  });
});

describe("base64 and the OK status", () => {
  const base64 = { "upstash-encoding": "base64" };

  it("leaves the OK status unencoded, in single commands and pipelines, as Upstash documents", async () => {
    const set = await send("/", {
      method: "POST",
      body: `["SET","${key("b")}","v"]`,
      headers: base64,
    });
    expect(set.json).toEqual({ result: "OK" });
    const piped = await send("/pipeline", {
      method: "POST",
      body: JSON.stringify([
        ["SET", key("b"), "OK"],
        ["GET", key("b")],
      ]),
      headers: base64,
    });
    // The status stays; the value "OK" is data, encoded like any other string.
    expect(piped.json).toEqual([{ result: "OK" }, { result: "T0s=" }]);
  });
});

describe("numbers beyond 2^53", () => {
  it("reach Redis with their exact digits", async () => {
    const big = "9007199254740993";
    const huge = "123456789012345678901234567890";
    const post = (body: string) => send("/", { method: "POST", body });
    expect((await post(`["SET","${key("big")}",${big}]`)).json).toEqual({ result: "OK" });
    expect(await direct.get(key("big"))).toBe(big);
    expect((await post(`["SET","${key("huge")}",${huge}]`)).json).toEqual({ result: "OK" });
    expect(await direct.get(key("huge"))).toBe(huge);
    // An integer reply beyond 2^53 comes back as exact digits too.
    expect((await post(`["INCRBY","${key("big")}",1]`)).json).toEqual({
      result: "9007199254740994",
    });
    await direct.set(key("n"), "1");
    expect((await post(`["INCRBY","${key("n")}",9007199254740993]`)).json).toEqual({
      result: "9007199254740994",
    });
    const piped = await send("/pipeline", {
      method: "POST",
      body: `[["SET","${key("p")}",-18446744073709551617],["SET","${key("q")}",1e400]]`,
    });
    expect(piped.json).toEqual([{ result: "OK" }, { result: "OK" }]);
    expect(await direct.get(key("p"))).toBe("-18446744073709551617");
    expect(await direct.get(key("q"))).toBe("1e400");
    expect((await post(`["SET","${key("inf")}",-1e400]`)).json).toEqual({ result: "OK" });
    expect(await direct.get(key("inf"))).toBe("-1e400");
    // Everyday numbers as before.
    expect((await post(`["SET","${key("f")}",1.5]`)).json).toEqual({ result: "OK" });
    expect(await direct.get(key("f"))).toBe("1.5");
  });
});

describe("what the gateway keeps", () => {
  it("runs a real pipeline of 10,000 commands in one request, in order", async () => {
    const commands = Array.from({ length: 10_000 }, () => ["INCR", key("many")]);
    // The gateway with the default body limit (the other one caps bodies at 64 KiB).
    const answer = await send("/pipeline", {
      method: "POST",
      body: JSON.stringify(commands),
      target: withQueryToken,
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(Array.from({ length: 10_000 }, (_, i) => ({ result: i + 1 })));
  });
});
