/**
 * Attacks through the REST surface beyond POST / : path-style commands (the policy must hold
 * whatever the path, method or body carries), HEAD, tokens in URLs, and the SSE routes. Every
 * one must fail, and Redis' own write counter shows a refused request wrote nothing.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCount } from "../helpers/dirty.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const READ_TOKEN = `ro-${randomUUID()}`;

let redis: RunningRedis;
let direct: Redis;
let gateway: RunningGateway;

beforeAll(async () => {
  // Its own server: the write counter must see this file's requests only.
  redis = await startRedisServer({ args: ["--databases", "2"] });
  direct = new Redis(redis.url);
  gateway = await startGateway({
    redisUrl: redis.url,
    readOnlyTokens: [READ_TOKEN],
    maxBodyBytes: 1024,
  });
  await direct.set("precious", "still here");
});
afterAll(async () => {
  direct?.disconnect();
  await gateway?.close();
  await redis?.stop();
});

async function send(
  path: string,
  options: { method?: string; body?: BodyInit; token?: string | null; accept?: string } = {},
) {
  const token = options.token === undefined ? gateway.token : options.token;
  const response = await fetch(`${gateway.url}${path}`, {
    method: options.method ?? "GET",
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.accept ? { accept: options.accept } : {}),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  expect(text).not.toMatch(/\n\s+at /);
  return { status: response.status, text };
}

async function writesNothing(attempt: () => Promise<unknown>): Promise<void> {
  const before = await writeCount(direct);
  await attempt();
  expect(await writeCount(direct)).toBe(before);
  expect(await direct.get("precious")).toBe("still here");
}

describe("path-style commands pass the policy of POST /", () => {
  it.each([
    ["GET", "/flushall"],
    ["POST", "/flushdb"],
    ["PUT", "/FlushAll/ASYNC"],
    ["GET", "/config/set/dir/tmp"],
    ["GET", "/keys/*"],
    ["GET", "/swapdb/0/1"],
    ["GET", "/debug/sleep/1"],
    ["GET", "/move/precious/1"],
    ["GET", "/copy/precious/elsewhere/DB/1"],
    ["GET", "/select/1"],
    ["GET", "/blpop/list/0"],
    ["GET", "/xread/BLOCK/0/STREAMS/s/$"],
    ["GET", "/client/reply/off"],
    ["GET", "/subscribe/chat"],
  ])("%s %s is refused with 400", async (method, path) => {
    await writesNothing(async () => {
      const answer = await send(path, { method });
      expect(answer.status, answer.text).toBe(400);
    });
  });

  it("the body and the query cannot smuggle a denied option past the check", async () => {
    await writesNothing(async () => {
      // COPY precious elsewhere DB 1: DB arrives as the body, its value from the query.
      const copy = await send("/copy/precious/elsewhere?1", { method: "POST", body: "DB" });
      expect(copy.status).toBe(400);
      expect(copy.text).toMatch(/COPY with DB/);
      const block = await send("/xread?STREAMS=s", { method: "POST", body: "BLOCK" });
      expect(block.status).toBe(400);
      // A script as the body, text or binary, is an unknown script.
      const text = await send("/eval?0", { method: "POST", body: "return redis.call('FLUSHALL')" });
      expect(text.status).toBe(403);
      const binary = await send("/eval?0", {
        method: "POST",
        body: Buffer.concat([Buffer.from("return 1 --"), Buffer.from([0xff, 0xfe])]),
      });
      expect(binary.status).toBe(403);
    });
  });

  it("read-only tokens write nothing by any method", async () => {
    await writesNothing(async () => {
      for (const method of ["GET", "POST", "PUT"]) {
        for (const path of ["/set/precious/gone", "/del/precious", "/publish/chat/hi", "/incr/n"]) {
          const answer = await send(path, { method, token: READ_TOKEN });
          expect(answer.status, `${method} ${path}`).toBe(403);
        }
      }
      const body = await send("/set/precious", {
        method: "POST",
        body: "gone",
        token: READ_TOKEN,
      });
      expect(body.status).toBe(403);
    });
  });

  it("HEAD never writes, whatever the token", async () => {
    await writesNothing(async () => {
      for (const path of ["/set/precious/gone", "/del/precious", "/flushall"]) {
        const answer = await send(path, { method: "HEAD" });
        expect([400, 405]).toContain(answer.status);
      }
    });
  });

  it("an oversized body is refused before anything runs", async () => {
    await writesNothing(async () => {
      const answer = await send("/set/big", { method: "POST", body: Buffer.alloc(2048, 1) });
      expect(answer.status).toBe(413);
    });
  });
});

describe("tokens", () => {
  it("path-style commands need a valid token, compared like every other", async () => {
    await writesNothing(async () => {
      for (const token of [null, "wrong", `${gateway.token}x`]) {
        expect((await send("/set/precious/gone", { token })).status).toBe(401);
      }
    });
  });

  it("a token in the URL is refused when the operator did not allow it, and never echoed", async () => {
    await writesNothing(async () => {
      const answer = await send(`/set/precious/gone?_token=${gateway.token}`, { token: null });
      expect(answer.status).toBe(401);
      expect(answer.text).not.toContain(gateway.token);
      // Not even with the header as well: the URL token has been exposed to logs already.
      const both = await send(`/set/precious/gone?_token=${gateway.token}`);
      expect(both.status).toBe(401);
    });
  });

  it("SSE streams with a missing or bad token are refused; read-only ones write nothing", async () => {
    await writesNothing(async () => {
      for (const token of [null, "wrong"]) {
        const answer = await send("/subscribe/chat", {
          method: "POST",
          body: "[]",
          token,
          accept: "text/event-stream",
        });
        expect(answer.status).toBe(401);
      }
      const controller = new AbortController();
      const stream = await fetch(`${gateway.url}/subscribe/chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${READ_TOKEN}`, accept: "text/event-stream" },
        body: "[]",
        signal: controller.signal,
      });
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      expect(Buffer.from((await reader.read()).value!).toString()).toBe(
        "data: subscribe,chat,1\n\n",
      );
      controller.abort();
    });
  });
});
