/**
 * Hostile traffic, generated: thousands of malformed and malicious requests over real HTTP to a
 * default `redge gateway` and to `redge serve` (the app on TCP), each on a Redis of its own.
 * Whatever arrives: no 5xx, no hang (every request has a deadline), and a refused request (4xx)
 * writes nothing, by Redis' own write counter (test/helpers/dirty.ts). Requests are sent one at a
 * time so each write can be traced to the request that made it.
 */
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../worker/adapter/node/index.js";
import { names, READ_TOKEN, ROUTES, readBody, TOKEN } from "../helpers/app.js";
import { writeCount } from "../helpers/dirty.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const GATEWAY_RUNS = 2_000;
const SERVE_RUNS = 1_500;
const DEADLINE_MS = 15_000;

let redis: RunningRedis;
let direct: Redis;
let gateway: RunningGateway;
let server: RunningServer;
let commandNames: string[];

beforeAll(async () => {
  redis = await startRedisServer();
  direct = new Redis(redis.url);
  gateway = await startGateway({
    redisUrl: redis.url,
    tokens: [TOKEN],
    readOnlyTokens: [READ_TOKEN],
    maxBodyBytes: 64 * 1024,
  });
  server = await startServer({
    redis: redis.url,
    port: 0,
    tokens: [TOKEN],
    readOnlyTokens: [READ_TOKEN],
    maxBodyBytes: 64 * 1024,
    shutdownTimeoutMs: 500,
  });
  // Every command this server knows, dangerous, blocking and administrative ones included.
  commandNames = ((await direct.call("COMMAND", "LIST")) as string[]).map((c) => c.toUpperCase());
  await direct.set("precious", "still here");
});
afterAll(async () => {
  direct?.disconnect();
  await server?.close();
  await gateway?.close();
  await redis?.stop();
});

interface Sent {
  method: string;
  url: string;
  token: string | null;
  body?: string | Uint8Array;
}

/** Sends one request and checks the answer: never 5xx, never a hang, no write when refused. */
async function sendAndCheck(request: Sent): Promise<number> {
  const before = await writeCount(direct);
  const response = await fetch(request.url, {
    method: request.method,
    headers: {
      ...(request.token === null ? {} : { authorization: `Bearer ${request.token}` }),
      "content-type": "application/json",
    },
    ...(request.body === undefined || request.method === "GET" || request.method === "HEAD"
      ? {}
      : { body: request.body as BodyInit }),
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  // An event stream (GET /channels/{name}/events) is read up to its first event.
  const text = await readBody(response);
  expect(response.status, `${request.method} ${request.url}`).toBeLessThan(500);
  expect(text).not.toMatch(/\n\s+at /);
  if (response.status >= 400) {
    expect(await writeCount(direct), `refused ${request.method} ${request.url} wrote`).toBe(before);
  }
  return response.status;
}

// ---- pieces of hostile input -------------------------------------------------------------------

/** Arguments that trip parsers: option words, block timeouts, huge numbers, bad text. */
const hostileWord = fc.oneof(
  fc.constantFrom(
    "BLOCK",
    "STREAMS",
    "GROUP",
    "0",
    "-1",
    "$",
    ">",
    "*",
    "DB",
    "1",
    "REPLACE",
    "NOSAVE",
    "18446744073709551616",
    "1e400",
    "\ud800",
    "\udfff",
    "\ufffd",
    "{slot}",
    "while true do end",
    "return redis.call('FLUSHALL')",
    "x".repeat(5_000),
  ),
  fc.string({ maxLength: 12 }),
  // Small: SETBIT or SETRANGE at a huge offset would make Redis allocate hundreds of MB, which
  // is legal (and not this test's subject).
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.boolean(),
);

const commandArb = fc.tuple(
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(0).chain(() => fc.constantFrom(...commandNames)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  ),
  fc.array(hostileWord, { maxLength: 8 }),
);

/** JSON text nested `depth` deep. */
const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

const malformedBody = fc.oneof(
  fc.constantFrom(
    "",
    "[",
    "{}",
    "null",
    "[]",
    "[[]]",
    '[["GET"]',
    '["GET", {"a": 1}]',
    '["GET", null]',
    '"FLUSHALL"',
    deep(1_500),
    `[${deep(300)}]`,
    // Deep values inside bodies of the right shape, where recursive validation would meet them.
    `{"items":[{"id":"a","priority":1,"data":${deep(1_500)}}]}`,
    `{"value":${deep(1_500)},"ttlMs":1000}`,
    `{"set":{"a":${deep(1_500)}}}`,
    `{"messages":[${deep(1_500)}]}`,
    "[1e400]",
    '["SET","k","\\ud800"]',
  ),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.string({ maxLength: 64 }),
);

const tokenArb = fc.constantFrom<string | null>(TOKEN, TOKEN, READ_TOKEN, "wrong-token", null);

describe("hostile requests to the gateway", () => {
  it(`${GATEWAY_RUNS} requests: no 5xx, no hang, and a refused request writes nothing`, async () => {
    const request = fc.record({
      path: fc.constantFrom("/", "/", "/pipeline", "/multi-exec", "/nope", "/../admin"),
      method: fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "DELETE"),
      token: tokenArb,
      body: fc.oneof(
        { weight: 3, arbitrary: commandArb.map(([name, args]) => JSON.stringify([name, ...args])) },
        {
          weight: 2,
          arbitrary: fc
            .array(commandArb, { minLength: 1, maxLength: 4 })
            .map((list) => JSON.stringify(list.map(([name, args]) => [name, ...args]))),
        },
        { weight: 2, arbitrary: malformedBody },
      ),
    });
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const status = await sendAndCheck({
          method: r.method,
          url: `${gateway.url}${r.path}`,
          token: r.token,
          body: r.body,
        });
        if (status >= 400) refused++;
      }),
      { numRuns: GATEWAY_RUNS },
    );
    // The generator aims at the policy: most requests must have been refused.
    expect(refused).toBeGreaterThan(GATEWAY_RUNS / 2);
    expect(await direct.get("precious")).toBe("still here");
    expect(await direct.call("FUNCTION", "LIST")).toEqual([]);
  }, 600_000);
});

describe("hostile requests to redge serve", () => {
  it(`${SERVE_RUNS} requests: no 5xx, no hang, and a refused request writes nothing`, async () => {
    const n = names("fuzz");
    const badName = fc.constantFrom(
      "",
      "{x}",
      "a\u0001",
      "%ED%A0%80",
      "x".repeat(600),
      "..",
      "%2F",
    );
    const request = fc.record({
      route: fc.constantFrom(...ROUTES),
      token: tokenArb,
      name: fc.option(badName, { nil: undefined }),
      body: fc.oneof(
        { weight: 2, arbitrary: malformedBody },
        { weight: 1, arbitrary: fc.json({ maxDepth: 6 }) },
        {
          weight: 1,
          arbitrary: fc
            .record({
              items: fc.array(
                fc.record({ id: hostileWord, data: fc.json(), priority: hostileWord }),
              ),
            })
            .map((o) => JSON.stringify(o)),
        },
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const named =
          r.name === undefined
            ? n
            : { ...n, queue: r.name, ns: r.name, subject: r.name, stream: r.name };
        await sendAndCheck({
          method: r.route.method,
          url: `${server.url}${r.route.path(named)}`,
          token: r.token,
          body: r.body,
        });
      }),
      { numRuns: SERVE_RUNS },
    );
    expect(await direct.get("precious")).toBe("still here");
  }, 600_000);
});
