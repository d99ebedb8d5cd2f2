/**
 * Pub/sub over Server-Sent Events, as Upstash serves it and the official client reads it: the
 * event format, fan-out over one Redis subscriber connection, teardown when clients leave, slow
 * clients dropped, tokens, keep-alive comments and close(). Waits are on events (a line arriving,
 * a log line, Redis' own subscription count), never on sleeps.
 */
import { randomUUID } from "node:crypto";
import { type IncomingMessage, request } from "node:http";
import { Redis as Upstash } from "@upstash/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";

const READ_TOKEN = `ro-${randomUUID()}`;
const channel = (name: string) => `sse:${randomUUID()}:${name}`;

let gateway: RunningGateway;
let direct: Redis;
const logLines: string[] = [];
const logWaiters: { match: RegExp; resolve: () => void }[] = [];

beforeAll(async () => {
  gateway = await startGateway({
    redisUrl: inject("redisUrl"),
    readOnlyTokens: [READ_TOKEN],
    sseClientBufferBytes: 64 * 1024,
    sseKeepAliveMs: 100,
    log: (line) => {
      logLines.push(line);
      for (const waiter of logWaiters.splice(0)) {
        if (waiter.match.test(line)) waiter.resolve();
        else logWaiters.push(waiter);
      }
    },
  });
  direct = new Redis(inject("redisUrl"));
});
afterAll(async () => {
  direct?.disconnect();
  await gateway?.close();
});

const logged = (match: RegExp) =>
  logLines.some((line) => match.test(line))
    ? Promise.resolve()
    : new Promise<void>((resolve) => logWaiters.push({ match, resolve }));

/** Polls Redis (the state under test lives there) until `check` holds; generous deadline. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const subscribers = async (name: string) =>
  Number(((await direct.call("PUBSUB", "NUMSUB", name)) as [string, number])[1]);
const patternSubscribers = async () => Number(await direct.call("PUBSUB", "NUMPAT"));

interface Stream {
  readonly status: number;
  readonly response: IncomingMessage;
  /** `data:` payloads and `:` comments, in order. */
  readonly events: string[];
  /** Resolves with the first event (from the start) that `match` accepts. */
  next(match: (event: string) => boolean): Promise<string>;
  /** Resolves once the server ended or cut the stream. */
  readonly ended: Promise<void>;
  close(): void;
  body(): Promise<string>;
}

function openStream(
  path: string,
  options: { token?: string | null; accept?: boolean; method?: string; url?: string } = {},
): Promise<Stream> {
  const base = new URL(options.url ?? gateway.url);
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? gateway.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.accept !== false) headers.accept = "text/event-stream";
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, path, method: options.method ?? "POST", headers },
      (response) => {
        const events: string[] = [];
        const waiters: { match: (e: string) => boolean; resolve: (e: string) => void }[] = [];
        let text = "";
        let raw = "";
        const ended = new Promise<void>((done) => {
          response.on("end", done);
          response.on("close", done);
          response.on("error", done);
        });
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          raw += chunk;
          text += chunk;
          let end = text.indexOf("\n\n");
          while (end !== -1) {
            const block = text.slice(0, end);
            text = text.slice(end + 2);
            const lines = block.split("\n");
            const event = lines[0]!.startsWith(":")
              ? lines[0]!
              : lines.map((line) => line.replace(/^data: /, "")).join("\n");
            events.push(event);
            for (const waiter of waiters.splice(0)) {
              if (waiter.match(event)) waiter.resolve(event);
              else waiters.push(waiter);
            }
            end = text.indexOf("\n\n");
          }
        });
        resolve({
          status: response.statusCode ?? 0,
          response,
          events,
          ended,
          next(match) {
            const seen = events.find(match);
            if (seen !== undefined) return Promise.resolve(seen);
            return new Promise((done) => waiters.push({ match, resolve: done }));
          },
          close: () => req.destroy(),
          body: async () => {
            await ended;
            return raw;
          },
        });
      },
    );
    req.on("error", reject);
    req.end(options.method === "GET" ? undefined : "[]");
  });
}

describe("pub/sub over SSE", () => {
  it("answers text/event-stream: subscribe counts, then messages, as Upstash does", async () => {
    const [a, b] = [channel("a"), channel("b")];
    const stream = await openStream(`/subscribe/${encodeURIComponent(a)}/${encodeURIComponent(b)}`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.response.headers["content-type"]).toBe("text/event-stream");
      expect(stream.response.headers["cache-control"]).toBe("no-cache");
      expect(stream.response.headers["upstash-sync-token"]).toMatch(/^\d+$/);
      await stream.next((e) => e === `subscribe,${b},2`);
      expect(stream.events.filter((e) => !e.startsWith(":"))).toEqual([
        `subscribe,${a},1`,
        `subscribe,${b},2`,
      ]);
      expect(await direct.publish(a, "hello, world")).toBe(1);
      await direct.publish(b, '{"n":1}');
      await direct.publish(a, "two\nlines");
      await stream.next((e) => e === `message,${a},two\nlines`);
      expect(stream.events.filter((e) => e.startsWith("message"))).toEqual([
        `message,${a},hello, world`,
        `message,${b},{"n":1}`,
        `message,${a},two\nlines`,
      ]);
    } finally {
      stream.close();
    }
  });

  it("splits a message with line breaks into data: lines, as the SSE format says", async () => {
    const name = channel("lines");
    const stream = await openStream(`/subscribe/${name}`);
    try {
      await stream.next((e) => e.startsWith("subscribe"));
      await direct.publish(name, "one\r\ntwo\rthree");
      await direct.publish(name, "end");
      await stream.next((e) => e === `message,${name},end`);
      stream.close();
      const raw = await stream.body();
      expect(raw).toContain(`data: message,${name},one\ndata: two\ndata: three\n\n`);
    } finally {
      stream.close();
    }
  });

  it("delivers pattern messages as pmessage,<pattern>,<channel>,<message>", async () => {
    const prefix = channel("news");
    const stream = await openStream(`/psubscribe/${prefix}.*`);
    try {
      await stream.next((e) => e === `psubscribe,${prefix}.*,1`);
      await direct.publish(`${prefix}.sport`, "goal");
      await direct.publish(`${prefix}-other`, "not matched");
      await direct.publish(`${prefix}.tech`, "chip");
      await stream.next((e) => e.endsWith(",chip"));
      expect(stream.events.filter((e) => e.startsWith("pmessage"))).toEqual([
        `pmessage,${prefix}.*,${prefix}.sport,goal`,
        `pmessage,${prefix}.*,${prefix}.tech,chip`,
      ]);
    } finally {
      stream.close();
    }
  });

  it("fans out over one Redis subscription and unsubscribes when the last client leaves", async () => {
    const name = channel("fan");
    const first = await openStream(`/subscribe/${name}`);
    const second = await openStream(`/subscribe/${name}`);
    try {
      await first.next((e) => e === `subscribe,${name},1`);
      // Each stream counts its own subscriptions, as a Redis connection of its own would.
      await second.next((e) => e === `subscribe,${name},1`);
      // One subscriber connection serves both streams: Redis counts one receiver.
      expect(await subscribers(name)).toBe(1);
      expect(await direct.publish(name, "to both")).toBe(1);
      await first.next((e) => e === `message,${name},to both`);
      await second.next((e) => e === `message,${name},to both`);

      first.close();
      await first.ended;
      await direct.publish(name, "to the second");
      await second.next((e) => e === `message,${name},to the second`);
      expect(await subscribers(name)).toBe(1);

      second.close();
      await until(async () => (await subscribers(name)) === 0, "UNSUBSCRIBE");
    } finally {
      first.close();
      second.close();
    }
  });

  it("leaves patterns too", async () => {
    const before = await patternSubscribers();
    const stream = await openStream(`/psubscribe/${channel("gone")}*`);
    await stream.next((e) => e.startsWith("psubscribe"));
    expect(await patternSubscribers()).toBe(before + 1);
    stream.close();
    await until(async () => (await patternSubscribers()) === before, "PUNSUBSCRIBE");
  });

  it("sends keep-alive comments on an idle stream", async () => {
    const stream = await openStream(`/subscribe/${channel("idle")}`);
    try {
      expect(await stream.next((e) => e === ": keep-alive")).toBe(": keep-alive");
    } finally {
      stream.close();
    }
  });

  it("drops a client that stops reading, never holding more than its buffer", async () => {
    const slow = channel("slow");
    const fast = channel("fast");
    const stuck = await openStream(`/subscribe/${slow}`);
    const healthy = await openStream(`/subscribe/${fast}`);
    await stuck.next((e) => e.startsWith("subscribe"));
    await healthy.next((e) => e.startsWith("subscribe"));
    // Reads nothing more: the socket buffers fill, then the gateway's queue for it.
    stuck.response.pause();
    const dropped = logged(/dropped \d+ SSE subscriber/);
    const payload = "x".repeat(32 * 1024);
    let done = false;
    void dropped.then(() => {
      done = true;
    });
    for (let i = 0; i < 2_000 && !done; i++) await direct.publish(slow, payload);
    await dropped;
    // Its only listener gone, the gateway unsubscribed.
    await until(async () => (await subscribers(slow)) === 0, "the slow client's UNSUBSCRIBE");
    // The others are not affected.
    await direct.publish(fast, "still here");
    await healthy.next((e) => e === `message,${fast},still here`);
    healthy.close();
    stuck.close();
  });

  it("lets read-only tokens subscribe and refuses streams without a valid token", async () => {
    const name = channel("ro");
    const reader = await openStream(`/subscribe/${name}`, { token: READ_TOKEN });
    try {
      expect(reader.status).toBe(200);
      await reader.next((e) => e === `subscribe,${name},1`);
    } finally {
      reader.close();
    }
    for (const token of [null, "wrong"]) {
      const refused = await openStream(`/subscribe/${name}`, { token });
      expect(refused.status).toBe(401);
      expect(JSON.parse(await refused.body())).toEqual({ error: expect.any(String) });
    }
  });

  it("serves GET for EventSource, and keeps SUBSCRIBE refused as a plain command", async () => {
    const name = channel("get");
    const stream = await openStream(`/subscribe/${name}`, { method: "GET" });
    try {
      await stream.next((e) => e === `subscribe,${name},1`);
    } finally {
      stream.close();
    }
    const plain = await openStream(`/subscribe/${name}`, { accept: false });
    expect(plain.status).toBe(400);
    expect(JSON.parse(await plain.body()).error).toMatch(/SUBSCRIBE is not supported/);
    const json = await fetch(`${gateway.url}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${gateway.token}` },
      body: JSON.stringify(["SUBSCRIBE", name]),
    });
    expect(json.status).toBe(400);
  });

  it("refuses channel names an SSE line cannot carry", async () => {
    const refused = await openStream(`/subscribe/a%0Ab`);
    expect(refused.status).toBe(400);
    expect(JSON.parse(await refused.body()).error).toMatch(/line break/);
    const none = await openStream("/subscribe");
    expect(none.status).toBe(400);
  });

  it("works with the official client's subscribe() and psubscribe()", async () => {
    const redis = new Upstash({ url: gateway.url, token: gateway.token });
    const name = channel("official");
    const subscriber = redis.subscribe<{ n: number }>([name]);
    const patterns = redis.psubscribe<string>([`${name}*`]);
    try {
      const counted = new Promise<number>((resolve) => subscriber.on("subscribe", resolve));
      const message = new Promise<unknown>((resolve) =>
        subscriber.on("message", (data) => resolve(data)),
      );
      const pmessage = new Promise<unknown>((resolve) =>
        patterns.on("pmessage", (data) => resolve(data)),
      );
      expect(await counted).toBe(1);
      await until(async () => (await patternSubscribers()) > 0, "the pattern subscription");
      expect(await redis.publish(name, { n: 42 })).toBe(2);
      expect(await message).toEqual({ channel: name, message: { n: 42 } });
      expect(await pmessage).toEqual({ pattern: `${name}*`, channel: name, message: { n: 42 } });
    } finally {
      await subscriber.unsubscribe();
      await patterns.unsubscribe();
    }
    await until(async () => (await subscribers(name)) === 0, "the official client's teardown");
  });

  it("ends every stream promptly on close()", async () => {
    const own = await startGateway({ redisUrl: inject("redisUrl"), shutdownTimeoutMs: 10_000 });
    const name = channel("close");
    const stream = await openStream(`/subscribe/${name}`, { url: own.url, token: own.token });
    await stream.next((e) => e.startsWith("subscribe"));
    const started = Date.now();
    await own.close();
    await stream.ended;
    // Well inside the 10 s shutdown timeout: the stream did not hold the shutdown open.
    expect(Date.now() - started).toBeLessThan(5_000);
    await until(async () => (await subscribers(name)) === 0, "the subscriber connection's end");
  });
});
