/**
 * Auth for every route, table-driven from ROUTES: no token and a wrong token are 401 on every
 * authenticated route; a read-only token is 403 on every write and writes nothing; it may read.
 */
import { describe, expect, it } from "vitest";
import { describeTransports } from "../../test/contract/transports.js";
import {
  call,
  keysUnderPrefix,
  makeApp,
  names,
  READ_TOKEN,
  ROUTES,
  TOKEN,
} from "../../test/helpers/app.js";
import { bearerToken } from "./auth.js";

const PUBLIC = ["GET /health", "GET /openapi.json", "GET /docs"];

describeTransports("app: auth", (t) => {
  it("the route table covers every route the app serves", () => {
    const app = makeApp(t.client);
    const served = new Set(
      app.routes
        .filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const covered = new Set([...ROUTES.map((r) => r.route.replace(/ \(.*\)$/, "")), ...PUBLIC]);
    expect([...served].sort()).toEqual([...covered].sort());
  });

  const wrong: Array<[string, Record<string, string> | null, string | null]> = [
    ["no Authorization header", null, null],
    ["a wrong token", null, "not-the-token"],
    ["a token that differs in the last character", null, `${TOKEN.slice(0, -1)}X`],
    ["a token prefix", null, TOKEN.slice(0, 5)],
    ["another scheme", { authorization: `Basic ${TOKEN}` }, null],
    ["Bearer without a token", { authorization: "Bearer " }, null],
  ];

  for (const [i, route] of ROUTES.entries()) {
    it(`${route.route}: 401 without a valid token, never touching Redis`, async () => {
      const client = t.makeClient({ keyPrefix: `${t.key(`auth401-${i}`)}:` });
      const app = makeApp(client);
      const n = names("auth");
      for (const [label, headers, token] of wrong) {
        const res = await call(app, route.method, route.path(n), {
          token,
          body: route.body,
          ...(headers ? { headers } : {}),
        });
        expect(res.status, label).toBe(401);
        expect(res.json.error.code, label).toBe("unauthorized");
        expect(res.headers.get("www-authenticate"), label).toMatch(/^Bearer/);
        expect(res.text, label).not.toContain(TOKEN);
      }
      expect(await keysUnderPrefix(client)).toEqual([]);
    });

    if (route.writes) {
      it(`${route.route}: 403 for a read-only token, and nothing written`, async () => {
        const client = t.makeClient({ keyPrefix: `${t.key(`auth403-${i}`)}:` });
        const app = makeApp(client);
        const res = await call(app, route.method, route.path(names("ro")), {
          token: READ_TOKEN,
          body: route.body,
        });
        expect(res.status).toBe(403);
        expect(res.json.error.code).toBe("forbidden");
        expect(await keysUnderPrefix(client)).toEqual([]);
      });
    } else {
      it(`${route.route}: a read-only token may read`, async () => {
        const app = makeApp(t.client);
        const res = await call(app, route.method, route.path(names(t.key("ro-read"))), {
          token: READ_TOKEN,
          body: route.body,
        });
        // A read of something absent may be 404 (a cache miss); never an auth refusal.
        expect([200, 404]).toContain(res.status);
      });
    }

    it(`${route.route}: the read-write token is accepted`, async () => {
      const app = makeApp(t.client);
      const res = await call(app, route.method, route.path(names(t.key("rw"))), {
        body: route.body,
      });
      expect([200, 404]).toContain(res.status);
    });
  }

  it("public routes need no token", async () => {
    const app = makeApp(t.client);
    for (const path of ["/health", "/openapi.json", "/docs"]) {
      expect((await call(app, "GET", path, { token: null })).status, path).toBe(200);
    }
  });

  it("an unknown route without a token is 401 (the route list is not probed anonymously)", async () => {
    const res = await call(makeApp(t.client), "GET", "/nope", { token: null });
    expect(res.status).toBe(401);
  });
});

describe("bearerToken", () => {
  it("takes one word after a case-insensitive Bearer and nothing else", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer\tabc  ")).toBe("abc");
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
