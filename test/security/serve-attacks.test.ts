/**
 * The security review's attacks on `redge serve` (the edge app on Node over TCP, as the CLI runs
 * it), each on a Redis server of its own so Redis' write counter (test/helpers/dirty.ts) can
 * prove that a refused or read-only request wrote nothing.
 */
import { connect } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningServer, startServer } from "../../worker/adapter/node/index.js";
import { names, READ_TOKEN, ROUTES, readBody, TOKEN } from "../helpers/app.js";
import { writeCount } from "../helpers/dirty.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

let redis: RunningRedis;
let direct: Redis;
let server: RunningServer;
const n = names("attack");

beforeAll(async () => {
  redis = await startRedisServer();
  direct = new Redis(redis.url);
  server = await startServer({
    redis: redis.url,
    port: 0,
    tokens: [TOKEN],
    readOnlyTokens: [READ_TOKEN],
    maxBodyBytes: 64 * 1024,
    shutdownTimeoutMs: 500,
  });
});
afterAll(async () => {
  direct?.disconnect();
  await server?.close();
  await redis?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  json: any;
}

async function request(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: string | Uint8Array } = {},
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.token ?? TOKEN}`,
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(options.body === undefined ? {} : { body: options.body as BodyInit }),
    signal: AbortSignal.timeout(20_000),
  });
  // An event stream (GET /channels/{name}/events) is read up to its first event.
  const text = await readBody(response);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, json };
}

/** Waits until the server's clock (TIME) passes `ms`: leases end by Redis' clock, not ours. */
async function serverTimePasses(ms: number): Promise<void> {
  for (;;) {
    const [seconds, micros] = (await direct.time()) as [number, number];
    if (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) > ms) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("5. read-only tokens write nothing, by any route", () => {
  it("every read route, with a lease that ran out waiting to be returned", async () => {
    const client = createNodeClient({ url: redis.url });
    try {
      const queue = client.priority(n.queue);
      await queue.addMany([
        { id: "a", data: "x", priority: 3 },
        { id: "b", data: "y", priority: 2 },
      ]);
      const [leased] = await queue.pull({ leaseMs: 1 });
      await serverTimePasses(Number(leased!.leasedUntil));
      await client.cache.set(n.key, { a: 1 }, { namespace: n.ns, ttlMs: 60_000 });
      await client.subjects().subject(n.subject).set("p", 1);
    } finally {
      await client.close();
    }
    const reads = ROUTES.filter((route) => !route.writes);
    expect(reads.length).toBeGreaterThanOrEqual(5);
    for (const route of reads) {
      const before = await writeCount(direct);
      const answer = await request(server.url, route.method, route.path(n), {
        token: READ_TOKEN,
        ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
      });
      expect(answer.status, route.route).toBe(200);
      expect(await writeCount(direct), route.route).toBe(before);
    }
    // The lease that ran out counts as ready, and a peek shows it in priority order.
    const info = await request(server.url, "GET", `/queues/${n.queue}`, { token: READ_TOKEN });
    expect(info.json).toMatchObject({ ready: 2, leased: 0 });
    const peek = await request(server.url, "POST", `/queues/${n.queue}/pull`, {
      token: READ_TOKEN,
      body: JSON.stringify({ purge: false, count: 5 }),
    });
    expect(peek.json.items.map((item: { id: string }) => item.id)).toEqual(["a", "b"]);
  });
});

describe("6. deep nesting is refused before any work", () => {
  const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

  it("a 3 KB body nested 1,500 deep is a 400 on every route that takes a body", async () => {
    const body = deep(1_500);
    expect(body.length).toBe(3_000);
    for (const route of ROUTES.filter((r) => r.body !== undefined)) {
      const before = await writeCount(direct);
      const answer = await request(server.url, route.method, route.path(n), { body });
      expect(answer.status, route.route).toBe(400);
      expect(answer.json.error.message, route.route).toMatch(/deeper than 256/);
      expect(await writeCount(direct), route.route).toBe(before);
    }
    // Nested inside a valid shape, too.
    const inside = `{"items":[{"id":"d","priority":1,"data":${deep(1_500)}}]}`;
    const answer = await request(server.url, "POST", `/queues/${n.queue}/items`, { body: inside });
    expect(answer.status).toBe(400);
  });

  it("the library refuses such values with a ValidationError, not a RangeError", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: a deliberately absurd value.
    let value: any = 1;
    for (let i = 0; i < 1_500; i++) value = { a: value };
    const client = createNodeClient({ url: redis.url });
    try {
      const before = await writeCount(direct);
      const calls: [string, () => Promise<unknown>][] = [
        ["priority.add", () => client.priority(n.queue).add("deep", value, 1)],
        ["dict.set", () => client.dict("deep").set("k", value)],
        ["cache.set", () => client.cache.set("deep", value, { namespace: n.ns, ttlMs: 1000 })],
        ["subject.set", () => client.subjects().subject("deep").set("p", value)],
        ["stream.publish", () => client.stream(n.stream, { group: "g" }).publish(value)],
      ];
      for (const [name, call] of calls) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, name).toBeInstanceOf(ValidationError);
        expect((error as Error).message, name).toMatch(/deeper than 256/);
      }
      expect(await writeCount(direct)).toBe(before);
    } finally {
      await client.close();
    }
  });
});

describe("7. out of memory answers 507 with the cause", () => {
  it("on every route that stores something", async () => {
    const full = await startRedisServer({
      args: ["--maxmemory", "1", "--maxmemory-policy", "noeviction"],
    });
    const fullServer = await startServer({ redis: full.url, port: 0, tokens: [TOKEN] });
    try {
      for (const [method, path, body] of [
        ["PUT", `/cache/${n.ns}/${n.key}`, { value: 1, ttlMs: 1000 }],
        ["POST", `/queues/${n.queue}/items`, { items: [{ id: "a", data: 1, priority: 1 }] }],
        ["PATCH", `/subjects/${n.subject}`, { set: { a: 1 } }],
        ["POST", `/streams/${n.stream}/messages`, { messages: [{ a: 1 }] }],
      ] as const) {
        const answer = await request(fullServer.url, method, path, { body: JSON.stringify(body) });
        expect(answer.status, path).toBe(507);
        expect(answer.json.error.code).toBe("insufficient_storage");
        expect(answer.json.error.message).toMatch(/out of memory/);
      }
    } finally {
      await fullServer.close();
      await full.stop();
    }
  });
});

describe("8. smaller holes", () => {
  it("a 413 closes the connection instead of saying keep-alive and then dropping it", async () => {
    const socket = connect(new URL(server.url).port as unknown as number, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `PUT /cache/ns/k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"value":`,
    );
    const reply = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (d) => {
        text += String(d);
      });
      socket.once("close", () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
    expect(reply).toMatch(/connection: close/i);
    expect(reply).not.toMatch(/connection: keep-alive/i);
  });

  it("holds at most maxBufferedBytes of bodies over all requests: past it 503, freed on close", async () => {
    // Room for two unfinished 600 kB uploads, not three.
    const small = await startServer({
      redis: redis.url,
      port: 0,
      tokens: [TOKEN],
      maxBodyBytes: 1_000_000,
      maxBufferedBytes: 1_300_000,
      shutdownTimeoutMs: 500,
    });
    const port = Number(new URL(small.url).port);
    const sockets: ReturnType<typeof connect>[] = [];
    try {
      const before = await writeCount(direct);
      // Whichever of the three the server reads last is refused: the first answer is a 503.
      const firstAnswer = new Promise<string>((resolve) => {
        for (let i = 0; i < 3; i++) {
          const socket = connect(port, "127.0.0.1");
          sockets.push(socket);
          let text = "";
          socket.on("data", (d) => {
            text += String(d);
            if (text.includes("\r\n\r\n")) resolve(text);
          });
          socket.once("connect", () => {
            socket.write(
              `PUT /cache/ns/big${i} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n`,
            );
            socket.write(Buffer.alloc(600_000, 0x20));
          });
        }
      });
      const reply = await firstAnswer;
      expect(reply).toMatch(/^HTTP\/1\.1 503/);
      expect(reply).toMatch(/connection: close/i);
      for (const socket of sockets) socket.destroy();
      // Once those clients are gone their bytes are free again (the close is seen promptly).
      const body = JSON.stringify({ value: "x".repeat(500_000), ttlMs: 60_000 });
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        const answer = await request(small.url, "PUT", `/cache/${n.ns}/after`, { body });
        status = answer.status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(200);
      // The last upload was stored; none of the three unfinished ones was.
      expect(await writeCount(direct)).toBeGreaterThan(before);
      for (const i of [0, 1, 2]) {
        expect((await request(small.url, "GET", `/cache/ns/big${i}`)).status).toBe(404);
      }
      expect((await request(small.url, "GET", `/cache/${n.ns}/after`)).status).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
      await small.close();
    }
  });

  it("refuses ids and names with lone surrogates, so they never merge into U+FFFD", async () => {
    for (const id of ["\ud800", "\udfff"]) {
      const before = await writeCount(direct);
      const body = JSON.stringify({ items: [{ id, data: 1, priority: 1 }] });
      const answer = await request(server.url, "POST", `/queues/${n.queue}-s/items`, { body });
      expect(answer.status).toBe(400);
      expect(answer.json.error.message).toMatch(/lone surrogate/);
      expect(await writeCount(direct)).toBe(before);
    }
    const ok = JSON.stringify({ items: [{ id: "\ufffd", data: 1, priority: 1 }] });
    expect(
      (await request(server.url, "POST", `/queues/${n.queue}-s/items`, { body: ok })).status,
    ).toBe(200);
    // An undecodable %-sequence in a path stays as typed: a name of its own, merged with nothing.
    const raw = await request(server.url, "GET", "/queues/%ED%A0%80");
    expect(raw.status === 200 || raw.status === 400).toBe(true);
  });

  it("refuses a body that is not UTF-8", async () => {
    const bytes = new Uint8Array([
      ...Buffer.from('{"value":"'),
      0xc3,
      0x28,
      ...Buffer.from('","ttlMs":1000}'),
    ]);
    const before = await writeCount(direct);
    const answer = await request(server.url, "PUT", `/cache/${n.ns}/utf8`, { body: bytes });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(/UTF-8/);
    expect(await writeCount(direct)).toBe(before);
  });

  it("closes a request that does not arrive within the request timeout", async () => {
    const slow = await startServer({
      redis: redis.url,
      port: 0,
      tokens: [TOKEN],
      requestTimeoutMs: 300,
    });
    try {
      const socket = connect(Number(new URL(slow.url).port), "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        `PUT /cache/ns/k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 50\r\n\r\n{`,
      );
      const closed = await new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (d) => {
          text += String(d);
        });
        socket.once("close", () => resolve(text));
      });
      expect(closed === "" || /^HTTP\/1\.1 408/.test(closed)).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
