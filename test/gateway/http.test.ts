/**
 * The gateway's HTTP surface, request by request: status codes, headers, encodings, and that
 * nothing runs when a request is refused.
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../helpers/free-port.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";

const READ_TOKEN = `ro-${randomUUID()}`;
const prefix = `gwh:${randomUUID()}:`;
const key = (name: string) => `${prefix}${name}`;

let gateway: RunningGateway;
let direct: IORedis;

beforeAll(async () => {
  gateway = await startGateway({
    redisUrl: inject("redisUrl"),
    readOnlyTokens: [READ_TOKEN],
    maxBodyBytes: 1024 * 1024,
  });
  direct = new IORedis(inject("redisUrl"));
});
afterAll(async () => {
  direct?.disconnect();
  await gateway?.close();
});

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function call(
  path: string,
  body: unknown,
  options: {
    token?: string | null;
    base64?: boolean;
    method?: string;
    raw?: boolean;
    url?: string;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? gateway.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.base64) headers["upstash-encoding"] = "base64";
  const method = options.method ?? "POST";
  const response = await fetch(`${options.url ?? gateway.url}${path}`, {
    method,
    headers,
    ...(method === "GET" || method === "HEAD"
      ? {}
      : { body: options.raw ? (body as string) : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // Never a stack trace, whatever the status.
  expect(text).not.toMatch(/\n\s+at /);
  // The sync token tells how busy the gateway is: authenticated callers only.
  if (response.status === 401 || response.status === 404 || response.status === 405) {
    expect(response.headers.get("upstash-sync-token")).toBeNull();
  } else {
    expect(response.headers.get("upstash-sync-token")).toMatch(/^\d+$/);
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

describe("gateway HTTP protocol", () => {
  it("runs one command and answers {result}", async () => {
    expect(await call("/", ["SET", key("a"), "v", "EX", 100])).toMatchObject({
      status: 200,
      body: { result: "OK" },
    });
    expect((await call("/", ["get", key("a")])).body).toEqual({ result: "v" });
    expect((await call("/", ["INCRBY", key("n"), 5])).body).toEqual({ result: 5 });
    expect((await call("/", ["SET", key("b"), true])).body).toEqual({ result: "OK" });
    expect((await call("/", ["GET", key("b")])).body).toEqual({ result: "true" });
  });

  it("base64-encodes every string of a result when asked, including binary data", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await direct.set(key("bin"), bytes);
    const single = await call("/", ["GET", key("bin")], { base64: true });
    expect(Buffer.from((single.body as { result: string }).result, "base64").equals(bytes)).toBe(
      true,
    );

    await direct.rpush(key("list"), "OK", "é", "");
    const list = await call("/", ["LRANGE", key("list"), 0, -1], { base64: true });
    // A stored "OK" is a value like any other: encoded.
    expect((list.body as { result: string[] }).result).toEqual(["T0s=", "w6k=", ""]);
    // The "OK" status is left as it is, as Upstash documents.
    expect((await call("/", ["SET", key("c"), "x"], { base64: true })).body).toEqual({
      result: "OK",
    });
    await direct.set(key("ok"), "OK");
    expect((await call("/", ["GET", key("ok")], { base64: true })).body).toEqual({
      result: "T0s=",
    });
    expect((await call("/", ["LLEN", key("list")], { base64: true })).body).toEqual({ result: 3 });
    expect((await call("/", ["GET", key("none")], { base64: true })).body).toEqual({
      result: null,
    });
    // Without the header, text comes back as UTF-8.
    expect((await call("/", ["LRANGE", key("list"), 0, -1])).body).toEqual({
      result: ["OK", "é", ""],
    });
  });

  it("runs a pipeline: one result or error per command, in order", async () => {
    await direct.set(key("str"), "x");
    const reply = await call("/pipeline", [
      ["SET", key("p"), 1],
      ["LPUSH", key("str"), "y"],
      ["INCR", key("p")],
    ]);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual([
      { result: "OK" },
      { error: expect.stringMatching(/^WRONGTYPE/) },
      { result: 2 },
    ]);
  });

  it("runs multi-exec, reporting run-time errors per command and EXECABORT as a 400", async () => {
    await direct.set(key("txs"), "x");
    const ok = await call("/multi-exec", [
      ["SET", key("t"), 1],
      ["LPUSH", key("txs"), "y"],
      ["INCR", key("t")],
    ]);
    expect(ok.body).toEqual([
      { result: "OK" },
      { error: expect.stringMatching(/^WRONGTYPE/) },
      { result: 2 },
    ]);
    const aborted = await call("/multi-exec", [
      ["SET", key("t2"), 1],
      ["SET", key("t2")],
    ]);
    expect(aborted.status).toBe(400);
    expect((aborted.body as { error: string }).error).toMatch(
      /^EXECABORT.*wrong number of arguments/,
    );
    expect(await direct.exists(key("t2"))).toBe(0);
  });

  it("answers 400 for malformed bodies", async () => {
    for (const [path, body] of [
      ["/", '["SET","k"'],
      ["/", ""],
      ["/pipeline", "{not json"],
    ] as const) {
      const reply = await call(path, body, { raw: true });
      expect(reply.status).toBe(400);
      expect((reply.body as { error: string }).error).toMatch(/JSON|empty/);
    }
    for (const [path, body] of [
      ["/", { command: "GET" }],
      ["/", []],
      ["/", ["SET", key("x"), null]],
      ["/", ["SET", key("x"), { a: 1 }]],
      ["/pipeline", ["GET", "k"]],
      ["/pipeline", []],
      ["/multi-exec", [["GET", "k"], []]],
    ] as const) {
      const reply = await call(path, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body).toEqual({ error: expect.any(String) });
    }
  });

  it("answers 400 for denied commands, and runs nothing of a batch holding one", async () => {
    const single = await call("/", ["flushall"]);
    expect(single.status).toBe(400);
    expect((single.body as { error: string }).error).toMatch(/FLUSHALL is disabled/);
    for (const path of ["/pipeline", "/multi-exec"]) {
      const reply = await call(path, [
        ["SET", key(`before${path}`), 1],
        ["KEYS", "*"],
      ]);
      expect(reply.status).toBe(400);
      expect((reply.body as { error: string }).error).toMatch(/KEYS is disabled.*command 2/);
      expect(await direct.exists(key(`before${path}`))).toBe(0);
    }
    const blocking = await call("/", ["BLPOP", key("q"), 0]);
    expect(blocking.status).toBe(400);
    expect((blocking.body as { error: string }).error).toMatch(/BLPOP is not supported/);
  });

  it("answers 400 with Redis' message for an error reply", async () => {
    await direct.set(key("wt"), "x");
    const reply = await call("/", ["LPUSH", key("wt"), "y"]);
    expect(reply.status).toBe(400);
    expect((reply.body as { error: string }).error).toMatch(/^WRONGTYPE Operation against a key/);
    expect((await call("/", ["NOSUCHCOMMAND"])).status).toBe(400);
  });

  it("answers 401 without a valid bearer token", async () => {
    for (const token of [null, "wrong", `${gateway.token}x`, gateway.token.slice(0, -1)]) {
      const reply = await call("/", ["GET", key("a")], { token });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: "Unauthorized" });
      expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    const malformed = await fetch(`${gateway.url}/`, {
      method: "POST",
      headers: { authorization: `Basic ${gateway.token}` },
      body: "[]",
    });
    expect(malformed.status).toBe(401);
    expect(await malformed.text()).not.toContain(gateway.token);
  });

  it("answers 403 to a read-only token on a write, for single commands and whole batches", async () => {
    await direct.set(key("r"), "v");
    expect((await call("/", ["GET", key("r")], { token: READ_TOKEN })).body).toEqual({
      result: "v",
    });
    const write = await call("/", ["SET", key("r"), "w"], { token: READ_TOKEN });
    expect(write.status).toBe(403);
    expect((write.body as { error: string }).error).toMatch(/^NOPERM.*SET/);
    for (const path of ["/pipeline", "/multi-exec"]) {
      const batch = await call(
        path,
        [
          ["GET", key("r")],
          ["DEL", key("r")],
        ],
        { token: READ_TOKEN },
      );
      expect(batch.status).toBe(403);
    }
    expect(await direct.get(key("r"))).toBe("v");
    const reads = await call(
      "/pipeline",
      [
        ["GET", key("r")],
        ["STRLEN", key("r")],
      ],
      { token: READ_TOKEN },
    );
    expect(reads.body).toEqual([{ result: "v" }, { result: 1 }]);
  });

  it("reads other paths as path-style commands and answers 405 with Allow: POST for wrong methods", async () => {
    const missing = await call("/nope", ["GET", "k"]);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: expect.stringMatching(/^ERR unknown command 'NOPE'/) });
    const other = await call("/get/k", undefined, { method: "DELETE" });
    expect(other.status).toBe(405);
    expect(other.headers.get("allow")).toBe("HEAD, GET, POST, PUT");
    for (const path of ["/", "/pipeline", "/multi-exec"]) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const reply = await call(path, ["GET", "k"], { method });
        expect(reply.status, `${method} ${path}`).toBe(405);
        expect(reply.headers.get("allow")).toBe("POST");
      }
    }
  });

  it("answers 413 from Content-Length before reading the body", async () => {
    const { status, body } = await rawPost(
      { "content-length": String(64 * 1024 * 1024) },
      (req) => {
        req.write("[");
      },
    );
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({ error: expect.stringMatching(/larger than/) });
  });

  it("answers 413 to a streamed body without buffering all of it", async () => {
    const chunk = Buffer.alloc(256 * 1024, "a");
    const total = 512 * 1024 * 1024;
    let sent = 0;
    const { status } = await rawPost({ "transfer-encoding": "chunked" }, async (req, done) => {
      while (sent < total && !done()) {
        sent += chunk.length;
        if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
      }
    });
    expect(status).toBe(413);
    // The server stops reading past the limit; what was sent beyond it sat in socket buffers.
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it("lets a 1 MB value through even a 1 MiB body limit", async () => {
    const value = "v".repeat(1_000_000);
    expect((await call("/", ["SET", key("mb"), value])).status).toBe(200);
    expect(await direct.strlen(key("mb"))).toBe(1_000_000);
  });

  it("increments the sync token on every authenticated response, and shows it to no one else", async () => {
    const first = await call("/", ["PING"]);
    const refused = await call("/", ["PING"], { token: "wrong" });
    expect(refused.headers.get("upstash-sync-token")).toBeNull();
    const second = await call("/", ["NOSUCHCOMMAND"]);
    expect(second.status).toBe(400);
    expect(Number(second.headers.get("upstash-sync-token"))).toBeGreaterThan(
      Number(first.headers.get("upstash-sync-token")),
    );
  });
});

describe("gateway in front of a dead Redis", () => {
  let dead: RunningGateway;
  beforeAll(async () => {
    dead = await startGateway({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
  });
  afterAll(async () => {
    await dead?.close();
  });

  it("answers 503 with Retry-After, promptly, for every kind of request", async () => {
    for (const [path, body] of [
      ["/", ["GET", "k"]],
      [
        "/pipeline",
        [
          ["GET", "k"],
          ["SET", "k", 1],
        ],
      ],
      ["/multi-exec", [["INCR", "k"]]],
    ] as const) {
      const started = Date.now();
      const reply = await call(path, body, { url: dead.url, token: dead.token });
      expect(reply.status).toBe(503);
      expect(reply.headers.get("retry-after")).toBe("1");
      expect(reply.body).toEqual({ error: expect.stringMatching(/^UNAVAILABLE/) });
      expect(reply.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });
});

/** A POST through node:http, for bodies fetch cannot send (lying Content-Length, endless stream). */
function rawPost(
  headers: Record<string, string>,
  write: (req: ReturnType<typeof httpRequest>, done: () => boolean) => void | Promise<void>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(gateway.url);
    let finished = false;
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: "/",
        method: "POST",
        headers: { authorization: `Bearer ${gateway.token}`, ...headers },
      },
      (res) => {
        finished = true;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    // The server may cut the connection once it has answered; that is expected.
    req.on("error", (error) => {
      if (!finished) reject(error);
    });
    void Promise.resolve(write(req, () => finished)).catch(() => {});
  });
}
