/**
 * worker/adapter/vercel/index.ts inside the edge-runtime VM (the Vercel Edge runtime's open-source sandbox:
 * web APIs only, no Node built-ins), bundled by esbuild for the edge as Vercel's build would.
 * Requests arrive under /api, as Vercel routes them to `api/[[...route]].ts`.
 */

import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createNodeClient } from "../../src/node.js";
import { makeApp, TOKEN } from "../helpers/app.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { answerOf, everyRoute } from "./every-route.js";
import { fourCalls } from "./four-calls.js";

const APP_TOKEN = `app-${crypto.randomUUID()}`;

let gateway: RunningGateway;
let bundle: string;
let inputs: string[];

beforeAll(async () => {
  gateway = await startGateway({ redisUrl: inject("redisUrl") });
  const result = await build({
    entryPoints: ["worker/adapter/vercel/index.ts"],
    bundle: true,
    // A classic script exposing the module's exports as `redgeVercel`: the VM evaluates scripts.
    format: "iife",
    globalName: "redgeVercel",
    platform: "browser",
    conditions: ["edge-light", "worker", "browser", "import"],
    mainFields: ["module", "main"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  bundle = result.outputFiles[0]!.text;
  inputs = Object.keys(result.metafile.inputs);
});

afterAll(async () => {
  await gateway?.close();
});

/**
 * A VM running the bundle, with the route file's handlers registered for fetch events. Vercel's
 * edge runtime exposes the project's variables as `process.env`; the bare VM has no `process`,
 * so the test provides that one object (and nothing else of Node's).
 */
function runtime(env: Record<string, string>): EdgeRuntime {
  return new EdgeRuntime({
    extend: (context) => Object.assign(context, { process: { env } }),
    initialCode: `${bundle}
      addEventListener("fetch", (event) => {
        const handler = redgeVercel[event.request.method];
        event.respondWith(handler(event.request));
      });`,
  });
}

describe("worker/adapter/vercel/index.ts in the edge-runtime VM", () => {
  it("exports the Edge runtime config and a handler per method", () => {
    const vm = runtime({});
    expect(vm.evaluate("JSON.stringify(redgeVercel.config)")).toBe('{"runtime":"edge"}');
    expect(
      vm.evaluate(
        `["GET","POST","PUT","PATCH","DELETE","HEAD","OPTIONS"].every((m) => typeof redgeVercel[m] === "function")`,
      ),
    ).toBe(true);
    // Nothing Node-only in the bundle (a comment may mention ioredis; a module may not).
    expect(bundle).not.toMatch(/require\(["']node:|from\s*["']node:/);
    expect(inputs.filter((path) => /ioredis|src\/transport\/tcp/.test(path))).toEqual([]);
    expect(inputs).toContain("worker/app/index.ts");
  });

  it("answers health, a cache round trip, a queue add/pull and a subject incr under /api", async () => {
    const vm = runtime({
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: gateway.token,
      REDGE_TOKENS: APP_TOKEN,
    });
    await fourCalls(
      (path, init) =>
        vm.dispatchFetch(`https://redge.vercel.test/api${path}`, init) as Promise<Response>,
      APP_TOKEN,
      inject("redisUrl"),
    );
    // Outside the base path: not the app's.
    const outside = await vm.dispatchFetch("https://redge.vercel.test/health");
    expect(outside.status).toBe(404);
  });

  it("answers every app route as the app does on Node, the stream receive included", async () => {
    const vm = runtime({
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: gateway.token,
      REDGE_TOKENS: APP_TOKEN,
    });
    const tag = crypto.randomUUID().slice(0, 8);
    const inVm = await everyRoute(
      (path, init) =>
        vm.dispatchFetch(`https://redge.vercel.test/api${path}`, init) as Promise<Response>,
      APP_TOKEN,
      `vm-${tag}`,
    );
    const client = createNodeClient({ url: gateway.url, token: gateway.token });
    try {
      const app = makeApp(client);
      const onNode = await everyRoute(
        async (path, init) => app.request(path, init),
        TOKEN,
        `node-${tag}`,
      );
      const statuses = (answers: typeof inVm) => answers.map((a) => `${a.route} ${a.status}`);
      expect(statuses(inVm)).toEqual(statuses(onNode));
      expect(inVm.filter((a) => a.status >= 400 && a.status !== 404)).toEqual([]);
    } finally {
      await client.close();
    }
    // The receive (it takes the request's AbortSignal) hands over what the publish wrote.
    const received = answerOf(inVm, "POST /streams/{name}/groups/{group}/receive");
    expect(received.json).toMatchObject({
      messages: [
        { data: { a: 1 }, deliveries: 1 },
        { data: "two", deliveries: 1 },
      ],
    });
  });

  it("serves at the root with REDGE_BASE_PATH=/, and says what is missing when misconfigured", async () => {
    const vm = runtime({
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: gateway.token,
      REDGE_TOKENS: APP_TOKEN,
      REDGE_BASE_PATH: "/",
    });
    const health = await vm.dispatchFetch("https://redge.vercel.test/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });

    const broken = runtime({ UPSTASH_REDIS_REST_TOKEN: gateway.token });
    const response = await broken.dispatchFetch("https://redge.vercel.test/api/health");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toMatch(/REDGE_TOKENS/);
    expect(text).toMatch(/UPSTASH_REDIS_REST_URL/);
    expect(text).not.toContain(gateway.token);
  });
});
