/**
 * Test helpers shared by the app's tests (beside the routes in worker/app/, and in test/worker and
 * test/security); kept under test/ so they never ship in the package. A request helper, and the
 * table of every authenticated route with a valid request and whether it writes, so the auth and
 * "rejected requests write nothing" tests cover every route.
 */
import type { RedgeClient } from "../../src/index.js";
import type { App } from "../../worker/app/env.js";
import { createApp } from "../../worker/app/index.js";

export const TOKEN = "rw-token-0123456789";
export const READ_TOKEN = "ro-token-0123456789";

export function makeApp(
  client: RedgeClient,
  extra: { maxBodyBytes?: number; maxEventStreams?: number } = {},
): App {
  return createApp({ client, tokens: [TOKEN], readOnlyTokens: [READ_TOKEN], ...extra });
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** A raw body (sent as is, with a JSON content type unless headers say otherwise). */
  raw?: string | Uint8Array | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  json: any;
  text: string;
}

/** Sends one request through `app.request()` and reads the answer. */
export async function call(
  app: App,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.raw !== undefined) {
    body = options.raw as BodyInit;
    headers["content-type"] = "application/json";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  Object.assign(headers, options.headers);
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (body !== undefined) init.body = body;
  // A stream body needs `duplex`; recognised by shape (no `instanceof` on web objects).
  if (typeof (body as { getReader?: unknown } | undefined)?.getReader === "function") {
    init.duplex = "half";
  }
  const response = await app.request(path, init);
  const text = await readBody(response);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/**
 * A response's text; for an event stream (`GET /channels/{name}/events`), its first event, after
 * which the stream is cancelled (it would never end by itself).
 */
export async function readBody(response: Response): Promise<string> {
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream") || !response.body) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!/\n\n/.test(text.replace(/^(:[^\n]*\n\n)+/, ""))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel();
  }
  return text;
}

/** Names one test uses for every key-forming route parameter. */
export interface Names {
  ns: string;
  key: string;
  subject: string;
  prop: string;
  queue: string;
  id: string;
  stream: string;
  group: string;
  channel: string;
}

export function names(tag: string): Names {
  return {
    ns: `ns-${tag}`,
    key: `key-${tag}`,
    subject: `subj-${tag}`,
    prop: "visits",
    queue: `q-${tag}`,
    id: "item-1",
    stream: `st-${tag}`,
    group: "workers",
    channel: `ch-${tag}`,
  };
}

export interface RouteCase {
  /** `METHOD /path/{param}` as in the OpenAPI document (variants add a note). */
  route: string;
  method: string;
  path: (n: Names) => string;
  body?: unknown;
  /** Whether the request changes Redis (so a read-only token gets 403). */
  writes: boolean;
  /** The answer is an event stream: readers take its first event (see `readBody`). */
  stream?: boolean;
}

const e = encodeURIComponent;

/** Every authenticated route, with a valid request; pull and expired once per access level. */
export const ROUTES: readonly RouteCase[] = [
  {
    route: "GET /cache/{namespace}/{key}",
    method: "GET",
    path: (n) => `/cache/${e(n.ns)}/${e(n.key)}`,
    writes: false,
  },
  {
    route: "PUT /cache/{namespace}/{key}",
    method: "PUT",
    path: (n) => `/cache/${e(n.ns)}/${e(n.key)}`,
    body: { value: { a: 1 }, ttlMs: 60_000, tags: ["t1"] },
    writes: true,
  },
  {
    route: "DELETE /cache/{namespace}/{key}",
    method: "DELETE",
    path: (n) => `/cache/${e(n.ns)}/${e(n.key)}`,
    writes: true,
  },
  {
    route: "POST /cache/{namespace}/invalidate",
    method: "POST",
    path: (n) => `/cache/${e(n.ns)}/invalidate`,
    body: { tag: "t1" },
    writes: true,
  },
  {
    route: "GET /subjects/{subject}",
    method: "GET",
    path: (n) => `/subjects/${e(n.subject)}`,
    writes: false,
  },
  {
    route: "PATCH /subjects/{subject}",
    method: "PATCH",
    path: (n) => `/subjects/${e(n.subject)}`,
    body: { set: { a: 1 }, setExt: { b: "x" } },
    writes: true,
  },
  {
    route: "POST /subjects/{subject}/props/{prop}/incr",
    method: "POST",
    path: (n) => `/subjects/${e(n.subject)}/props/${e(n.prop)}/incr`,
    body: { by: 2 },
    writes: true,
  },
  {
    route: "DELETE /subjects/{subject}",
    method: "DELETE",
    path: (n) => `/subjects/${e(n.subject)}`,
    writes: true,
  },
  {
    route: "GET /queues/{name}",
    method: "GET",
    path: (n) => `/queues/${e(n.queue)}`,
    writes: false,
  },
  {
    route: "POST /queues/{name}/items",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/items`,
    body: { items: [{ id: "item-1", data: { x: 1 }, priority: 5 }] },
    writes: true,
  },
  {
    route: "POST /queues/{name}/pull",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/pull`,
    body: {},
    writes: true,
  },
  {
    route: "POST /queues/{name}/pull (lease)",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/pull`,
    body: { purge: false, leaseMs: 1_000 },
    writes: true,
  },
  {
    route: "POST /queues/{name}/pull (peek)",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/pull`,
    body: { purge: false, count: 5 },
    writes: false,
  },
  {
    route: "POST /queues/{name}/ack",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/ack`,
    body: { ids: ["item-1"] },
    writes: true,
  },
  {
    route: "POST /queues/{name}/items/{id}/increment",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/items/${e(n.id)}/increment`,
    body: { delta: 1 },
    writes: true,
  },
  {
    route: "POST /queues/{name}/decrement",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/decrement`,
    body: { delta: 1 },
    writes: true,
  },
  {
    route: "POST /queues/{name}/delete-below",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/delete-below`,
    body: { threshold: 0 },
    writes: true,
  },
  {
    route: "POST /queues/{name}/expired (purge)",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/expired`,
    body: { ttlMs: 1, purge: true },
    writes: true,
  },
  {
    route: "POST /queues/{name}/expired",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/expired`,
    body: { ttlMs: 1 },
    writes: false,
  },
  {
    route: "PUT /queues/{name}/gate",
    method: "PUT",
    path: (n) => `/queues/${e(n.queue)}/gate`,
    body: { value: 3 },
    writes: true,
  },
  {
    route: "GET /queues/{name}/info",
    method: "GET",
    path: (n) => `/queues/${e(n.queue)}/info`,
    writes: false,
  },
  {
    route: "POST /queues/{name}/nack",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/nack`,
    body: { ids: [names("x").id], delayMs: 0, reason: "failed" },
    writes: true,
  },
  {
    route: "GET /queues/{name}/dead-letters",
    method: "GET",
    path: (n) => `/queues/${e(n.queue)}/dead-letters?count=10`,
    writes: false,
  },
  {
    route: "POST /queues/{name}/dead-letters/requeue",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/dead-letters/requeue`,
    body: { ids: [names("x").id] },
    writes: true,
  },
  {
    route: "POST /queues/{name}/dead-letters/delete",
    method: "POST",
    path: (n) => `/queues/${e(n.queue)}/dead-letters/delete`,
    body: { ids: [names("x").id] },
    writes: true,
  },
  {
    route: "PUT /queues/{name}/options",
    method: "PUT",
    path: (n) => `/queues/${e(n.queue)}/options`,
    body: { maxAttempts: 5, backoff: { type: "exponential", delayMs: 1_000 } },
    writes: true,
  },
  {
    route: "PUT /queues/{name}/limits",
    method: "PUT",
    path: (n) => `/queues/${e(n.queue)}/limits`,
    body: { concurrency: 10, rate: { max: 100, perMs: 1_000 } },
    writes: true,
  },
  {
    route: "PUT /queues/{name}/schedules/{id}",
    method: "PUT",
    path: (n) => `/queues/${e(n.queue)}/schedules/${e(n.id)}`,
    body: { data: { report: true }, priority: 1, cron: "0 6 * * *", tz: "Europe/Rome" },
    writes: true,
  },
  {
    route: "GET /queues/{name}/schedules",
    method: "GET",
    path: (n) => `/queues/${e(n.queue)}/schedules`,
    writes: false,
  },
  {
    route: "DELETE /queues/{name}/schedules/{id}",
    method: "DELETE",
    path: (n) => `/queues/${e(n.queue)}/schedules/${e(n.id)}`,
    writes: true,
  },
  {
    route: "GET /queues/{name}/events",
    method: "GET",
    path: (n) => `/queues/${e(n.queue)}/events?waitMs=0`,
    writes: false,
  },
  {
    route: "POST /ratelimit/{prefix}/{identifier}",
    method: "POST",
    path: (n) => `/ratelimit/${e(n.ns)}/${e(n.key)}`,
    body: { limit: 10, windowMs: 60_000, algorithm: "sliding", cost: 2 },
    writes: true,
  },
  {
    route: "POST /ratelimit/{prefix}/{identifier} (check)",
    method: "POST",
    path: (n) => `/ratelimit/${e(n.ns)}/${e(n.key)}`,
    body: { limit: 10, windowMs: 60_000, algorithm: "fixed", cost: 0 },
    writes: false,
  },
  {
    route: "POST /streams/{name}/messages",
    method: "POST",
    path: (n) => `/streams/${e(n.stream)}/messages`,
    body: { messages: [{ a: 1 }, "two"] },
    writes: true,
  },
  {
    route: "POST /streams/{name}/groups/{group}/receive",
    method: "POST",
    path: (n) => `/streams/${e(n.stream)}/groups/${e(n.group)}/receive`,
    body: { consumer: "c1" },
    writes: true,
  },
  {
    route: "POST /streams/{name}/groups/{group}/ack",
    method: "POST",
    path: (n) => `/streams/${e(n.stream)}/groups/${e(n.group)}/ack`,
    body: { ids: ["1-0"] },
    writes: true,
  },
  {
    route: "POST /channels/{name}",
    method: "POST",
    path: (n) => `/channels/${e(n.channel)}`,
    body: { message: { hello: "world" } },
    writes: true,
  },
  {
    route: "GET /channels/{name}/events",
    method: "GET",
    path: (n) => `/channels/${e(n.channel)}/events`,
    writes: false,
    stream: true,
  },
];

/**
 * Keys under `client`'s key prefix (SCAN, so it works through the gateway too), subjects
 * included: they live at `s:<keyPrefix>…`, where KRules puts its prefix.
 */
export async function keysUnderPrefix(client: RedgeClient): Promise<string[]> {
  const found: string[] = [];
  for (const pattern of [`${client.keyPrefix}*`, `s:${client.keyPrefix}*`]) {
    let cursor = "0";
    do {
      const reply = (await client.command(["SCAN", cursor, "MATCH", pattern, "COUNT", 1000])) as [
        string,
        string[],
      ];
      cursor = String(reply[0]);
      for (const key of reply[1]) if (!found.includes(key)) found.push(key);
    } while (cursor !== "0");
  }
  return found;
}
