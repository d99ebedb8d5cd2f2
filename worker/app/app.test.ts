/** createApp's options, /health, the OpenAPI document and docs page, CORS, and redgeClient(). */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ConfigError, type RedgeClient } from "../../src/index.js";
import { describeTransports } from "../../test/contract/transports.js";
import { call, makeApp, ROUTES, TOKEN } from "../../test/helpers/app.js";
import { createApp, type RedgeEnv, redgeClient } from "./index.js";

const fakeClient = { health: () => {}, priority: () => {} } as unknown as RedgeClient;

describe("createApp options", () => {
  it.each<[string, Record<string, unknown>, string]>([
    ["no tokens", { tokens: [] }, "tokens: must hold at least one token"],
    ["tokens missing", { tokens: undefined }, "tokens"],
    ["an empty token", { tokens: [""] }, "tokens.0: must not be empty"],
    ["a token with a space", { tokens: ["a b"] }, "tokens.0: must not contain whitespace"],
    ["an empty read-only token", { tokens: ["a"], readOnlyTokens: [""] }, "readOnlyTokens.0"],
    [
      "a token in both lists",
      { tokens: ["same-token"], readOnlyTokens: ["same-token"] },
      "readOnlyTokens.0: is also a read-write token",
    ],
    ["maxBodyBytes 0", { tokens: ["a"], maxBodyBytes: 0 }, "maxBodyBytes"],
    ["no client", { client: undefined, tokens: ["a"] }, "client: must be a RedgeClient"],
    [
      "docsAssets without bytes",
      { tokens: ["a"], docsAssets: { version: "5.35.0", css: "x", js: new Uint8Array() } },
      "docsAssets.css: must be a Uint8Array",
    ],
    [
      "docsAssets with a path in the version",
      {
        tokens: ["a"],
        docsAssets: { version: "../x", css: new Uint8Array(), js: new Uint8Array() },
      },
      "docsAssets.version",
    ],
  ])("%s is a ConfigError naming the option", (_label, options, expected) => {
    const build = () => createApp({ client: fakeClient, ...options } as never);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(expected);
    try {
      build();
    } catch (error) {
      expect(String(error)).not.toContain("same-token");
    }
  });
});

describeTransports("app", (t) => {
  it("GET /health answers ok and a latency without a token", async () => {
    const res = await call(makeApp(t.client), "GET", "/health", { token: null });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, latencyMs: expect.any(Number) });
  });

  it("GET /openapi.json is an OpenAPI 3.1 document of every route, with bearer security", async () => {
    const res = await call(makeApp(t.client), "GET", "/openapi.json", { token: null });
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
    for (const route of ROUTES) {
      const [method, path] = route.route.replace(/ \(.*\)$/, "").split(" ") as [string, string];
      const op = doc.paths[path]?.[method.toLowerCase()];
      expect(op, route.route).toBeDefined();
      expect(op.security, route.route).toEqual([{ bearer: [] }]);
      expect(op.responses["401"], route.route).toBeDefined();
    }
    expect(doc.paths["/health"].get.security).toBeUndefined();
    // The capabilities' rules show up: the queue name's length limit.
    const nameParam = doc.paths["/queues/{name}"].get.parameters[0];
    expect(nameParam).toMatchObject({ name: "name", in: "path", required: true });
    expect(nameParam.schema).toMatchObject({ type: "string", minLength: 1, maxLength: 200 });
  });

  it("GET /docs is an HTML page pointing at openapi.json (relative, so it works under a base path)", async () => {
    const res = await call(makeApp(t.client), "GET", "/docs", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toMatch(/url: .openapi\.json./);
    expect(res.text.toLowerCase()).toContain("swagger");
  });

  it("CORS: off by default; on, preflights pass without a token and answers carry the header", async () => {
    const off = makeApp(t.client);
    expect(
      (
        await call(off, "GET", "/health", { token: null, headers: { origin: "https://a.example" } })
      ).headers.get("access-control-allow-origin"),
    ).toBeNull();

    const on = createApp({
      client: t.client,
      tokens: [TOKEN],
      cors: { origin: "https://a.example", allowHeaders: ["authorization", "content-type"] },
    });
    const preflight = await call(on, "OPTIONS", "/queues/q/pull", {
      token: null,
      headers: {
        origin: "https://a.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://a.example");
    const denied = await call(on, "GET", `/subjects/${t.key("cors")}`, {
      token: null,
      headers: { origin: "https://a.example" },
    });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("https://a.example");

    const any = createApp({ client: t.client, tokens: [TOKEN], cors: true });
    const res = await call(any, "GET", "/health", {
      token: null,
      headers: { origin: "https://b.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("redgeClient() puts the client on c.var.redge in a user's own Hono app", async () => {
    const app = new Hono<RedgeEnv>().use(redgeClient(t.client));
    const key = t.key("own-app");
    app.post("/visits", async (c) => c.json({ n: await c.var.redge.command(["INCR", key]) }));
    const first = await app.request("/visits", { method: "POST" });
    const second = await app.request("/visits", { method: "POST" });
    expect(await first.json()).toEqual({ n: 1 });
    expect(await second.json()).toEqual({ n: 2 });
  });
});
