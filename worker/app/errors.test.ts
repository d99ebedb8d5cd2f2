/**
 * Every error status, in the app's error shape: 400 naming the field, 404, 405, 409, 413, 415,
 * 503 with Retry-After, 500 without leaking; and rejected requests write nothing.
 */
import { expect, inject, it } from "vitest";
import { createNodeClient } from "../../src/node.js";
import { describeTransports } from "../../test/contract/transports.js";
import { call, keysUnderPrefix, makeApp, names, ROUTES, TOKEN } from "../../test/helpers/app.js";
import { freePort } from "../../test/helpers/free-port.js";
import { createApp } from "./index.js";

describeTransports("app: errors", (t) => {
  it("400 names the bad field in message and details (params and body)", async () => {
    const app = makeApp(t.client);
    const q = `/queues/${t.key("q400")}`;
    const badPriority = await call(app, "POST", `${q}/items`, {
      body: {
        items: [
          { id: "a", data: 1, priority: 1 },
          { id: "b", data: 1, priority: "high" },
        ],
      },
    });
    expect(badPriority.status).toBe(400);
    expect(badPriority.json.error.code).toBe("bad_request");
    expect(badPriority.json.error.details).toEqual([
      expect.objectContaining({ path: "items.1.priority" }),
    ]);
    expect(badPriority.json.error.message).toContain("items.1.priority");

    const badName = await call(app, "GET", `/queues/${encodeURIComponent("a{b}")}`);
    expect(badName.status).toBe(400);
    expect(badName.json.error.details[0]).toEqual({
      path: "name",
      message: "must not contain '{', '}' or control characters",
    });

    const unknownField = await call(app, "PUT", `/cache/ns/${t.key("k")}`, {
      body: { value: 1, ttl: 5 },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.error.message).toContain("ttl");

    const missing = await call(app, "PUT", `/cache/ns/${t.key("k")}`, { body: { ttlMs: 5 } });
    expect(missing.json.error.details[0].path).toBe("value");
  });

  it("400 for malformed JSON, 415 for another content type, never a stack", async () => {
    const app = makeApp(t.client);
    const path = `/queues/${t.key("json")}/pull`;
    const malformed = await call(app, "POST", path, { raw: '{"count": 1' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toEqual({
      code: "bad_request",
      message: "Malformed JSON in request body",
    });
    const text = await call(app, "POST", path, {
      raw: "count=1",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(text.json.error.code).toBe("unsupported_media_type");
    for (const res of [malformed, text]) expect(res.text).not.toMatch(/at \w+ \(|\.ts:\d+/);
  });

  it("numbers JSON cannot hold exactly are refused: 1e400 (Infinity), NaN text, unsafe ints", async () => {
    const app = makeApp(t.client);
    const q = `/queues/${t.key("nums")}`;
    const inf = await call(app, "POST", `${q}/decrement`, { raw: '{"delta": 1e400}' });
    expect(inf.status).toBe(400);
    expect(inf.json.error.details[0].path).toBe("delta");
    const nan = await call(app, "POST", `${q}/decrement`, { body: { delta: "NaN" } });
    expect(nan.status).toBe(400);
    const count = await call(app, "POST", `${q}/pull`, { body: { count: 1e20 } });
    expect(count.status).toBe(400);
    expect(count.json.error.details[0].path).toBe("count");
  });

  it("404 for unknown routes and 405 with Allow for a known path and wrong method", async () => {
    const app = makeApp(t.client);
    const unknown = await call(app, "GET", "/nothing/here");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("not_found");
    const wrongMethod = await call(app, "POST", `/cache/ns/${t.key("k405")}`, { body: {} });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error.code).toBe("method_not_allowed");
    expect(wrongMethod.headers.get("allow")?.split(", ").sort()).toEqual(
      ["DELETE", "GET", "HEAD", "PUT"].sort(),
    );
    expect((await call(app, "GET", `/queues/${t.key("q")}/pull`)).status).toBe(405);
  });

  it("409 when the key holds another type (WRONGTYPE), and the key is untouched", async () => {
    const app = makeApp(t.client);
    const name = t.key("wrongtype");
    // The subject hash key, made a string behind the app's back.
    await t.client.command(["SET", `s:${name}`, "plain"]);
    const res = await call(app, "PATCH", `/subjects/${name}`, { body: { set: { a: 1 } } });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(await t.client.command(["GET", `s:${name}`])).toBe("plain");
  });

  it("413 for a body over maxBodyBytes: by Content-Length, by a chunked stream, and by a lying Content-Length", async () => {
    const client = t.makeClient({ keyPrefix: `${t.key("413")}:` });
    const app = createApp({ client, tokens: [TOKEN], maxBodyBytes: 1_000 });
    const path = `/queues/q/items`;
    const big = JSON.stringify({ items: [{ id: "a", data: "x".repeat(2_000), priority: 1 }] });
    const declared = await call(app, "POST", path, {
      raw: big,
      headers: { "content-length": String(big.length) },
    });
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe("payload_too_large");

    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 100)
          controller.enqueue(encoder.encode(big.slice(i, i + 100)));
        controller.close();
      },
    });
    const chunked = await call(app, "POST", path, { raw: stream });
    expect(chunked.status).toBe(413);

    const lying = await call(app, "POST", path, {
      raw: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(big));
          controller.close();
        },
      }),
      headers: { "content-length": "10" },
    });
    expect(lying.status).toBe(413);

    const small = await call(app, "POST", path, {
      body: { items: [{ id: "a", data: "small", priority: 1 }] },
    });
    expect(small.status).toBe(200);
    // Only the accepted request wrote.
    const written = await keysUnderPrefix(client);
    expect(written.length).toBeGreaterThan(0);
    await client.command(["DEL", ...written]);
  });

  it("rejected requests (400 on every route) write nothing", async () => {
    const client = t.makeClient({ keyPrefix: `${t.key("rejected")}:` });
    const app = makeApp(client);
    const n = names("rej");
    for (const route of ROUTES) {
      // A bad parameter: a name with braces in each route's first key-forming segment.
      const badPath = route.path({
        ...n,
        ns: "n{1}",
        subject: "s\u0001",
        queue: "q}",
        stream: "{s}",
        channel: "__keyspace@0__:k",
      });
      const res = await call(app, route.method, badPath, { body: route.body });
      expect(res.status, route.route).toBe(400);
      if (route.body !== undefined) {
        const body = await call(app, route.method, route.path(n), {
          body: { ...(route.body as object), unexpected: 1 },
        });
        expect(body.status, `${route.route} body`).toBe(400);
      }
    }
    expect(await keysUnderPrefix(client)).toEqual([]);
  });

  it("503 with Retry-After when Redis is unreachable; no secret in the answer", async () => {
    const port = await freePort();
    const secret = "hunter2-secret";
    const dead =
      t.name === "tcp"
        ? createNodeClient({
            url: `redis://:${secret}@127.0.0.1:${port}`,
            commandTimeoutMs: 500,
            connectTimeoutMs: 300,
            retry: { retries: 0 },
          })
        : createNodeClient({
            url: `http://127.0.0.1:${port}`,
            token: secret,
            commandTimeoutMs: 500,
            retry: { retries: 0 },
          });
    const errors: unknown[] = [];
    const app = createApp({ client: dead, tokens: [TOKEN], onError: (e) => errors.push(e) });
    try {
      const health = await call(app, "GET", "/health", { token: null });
      expect(health.status).toBe(503);
      expect(health.json.ok).toBe(false);
      expect(health.headers.get("retry-after")).toBe("1");
      const n = names("dead");
      for (const route of ROUTES.filter((r) => r.route.startsWith("GET") || r.writes)) {
        const res = await call(app, route.method, route.path(n), { body: route.body });
        expect(res.status, route.route).toBe(503);
        expect(res.json.error.code).toBe("unavailable");
        expect(res.headers.get("retry-after")).toBe("1");
        expect(res.text).not.toContain(secret);
        expect(res.text).not.toContain(String(port));
      }
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await dead.close();
    }
  });
});

it("a client-side bug is a generic 500: no message, no stack", async () => {
  const client = createNodeClient({ url: inject("redisUrl") });
  const errors: unknown[] = [];
  const app = createApp({ client, tokens: [TOKEN], onError: (e) => errors.push(e) });
  // Not a redge error: something the app does not know, e.g. a broken client.
  Object.defineProperty(client, "cache", {
    get() {
      throw new TypeError("secret internals at /srv/app.ts:12");
    },
  });
  try {
    const res = await call(app, "GET", "/cache/ns/k");
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: { code: "internal", message: "Internal server error" } });
    expect(errors).toHaveLength(1);
  } finally {
    await client.close();
  }
});
