/**
 * The four calls every runtime's entry point must answer (issue 6): health, a cache round trip,
 * a queue add then pull, a subject property increment. Each runtime test hands in its own way
 * of sending a request (Miniflare's dispatchFetch, the edge VM's, real HTTP) and the Redis the
 * app writes to, which is read back directly, so a pass means the data went through to Redis.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { expect } from "vitest";

/** Sends one request into the runtime under test. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>;

async function call(
  send: Send,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await send(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/** Runs the four calls (plus a 401 without a token) and checks Redis behind them. */
export async function fourCalls(send: Send, token: string, redisUrl: string): Promise<void> {
  const id = randomUUID().slice(0, 8);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    // 1. health: public, pings Redis.
    const health = await call(send, undefined, "GET", "/health");
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ ok: true, latencyMs: expect.any(Number) });

    // Auth is on: no token, no cache.
    const anonymous = await call(send, undefined, "GET", `/cache/rt-${id}/greeting`);
    expect(anonymous.status).toBe(401);

    // 2. cache round trip.
    const missing = await call(send, token, "GET", `/cache/rt-${id}/greeting`);
    expect(missing.status).toBe(404);
    const value = { hello: "world", n: 1 };
    const put = await call(send, token, "PUT", `/cache/rt-${id}/greeting`, {
      value,
      ttlMs: 60_000,
    });
    expect(put).toMatchObject({ status: 200, json: { ok: true } });
    const got = await call(send, token, "GET", `/cache/rt-${id}/greeting`);
    expect(got).toEqual({ status: 200, json: { value } });

    // 3. queue: add two, pull the higher one (purging it), one left.
    const queue = `rt-${id}`;
    const added = await call(send, token, "POST", `/queues/${queue}/items`, {
      items: [
        { id: "low", data: { job: "later" }, priority: 1 },
        { id: "high", data: { job: "now" }, priority: 5 },
      ],
    });
    expect(added).toEqual({ status: 200, json: { added: 2, existing: 0 } });
    const pulled = await call(send, token, "POST", `/queues/${queue}/pull`, { count: 1 });
    expect(pulled.status).toBe(200);
    expect(pulled.json).toMatchObject({
      items: [{ id: "high", data: { job: "now" }, priority: 5 }],
    });
    const info = await call(send, token, "GET", `/queues/${queue}`);
    expect(info).toMatchObject({ status: 200, json: { ready: 1, leased: 0 } });

    // 4. subject property incr, twice: atomic read-modify-write, old value returned.
    const subject = `rt-${id}`;
    const first = await call(send, token, "POST", `/subjects/${subject}/props/visits/incr`, {
      by: 2,
    });
    expect(first).toEqual({ status: 200, json: { value: 2, old: 0 } });
    const second = await call(send, token, "POST", `/subjects/${subject}/props/visits/incr`, {
      by: 3,
    });
    expect(second).toEqual({ status: 200, json: { value: 5, old: 2 } });

    // Straight from Redis: the KRules layout, `s:<subject>` field `p<name>`, JSON text.
    await redis.connect();
    expect(await redis.hget(`s:${subject}`, "pvisits")).toBe("5");
  } finally {
    redis.disconnect();
  }
}
