/**
 * The built worker (wrangler's own bundle of worker/adapter/cloudflare/index.ts) inside workerd, through
 * Miniflare's API, reaching the test Redis over REST through the gateway.
 *
 * workerd's default outbound network allows public addresses only, which would refuse the
 * gateway on 127.0.0.1; Miniflare replaces it with one allowing "public" and "private" (see
 * cloudflare/miniflare#412), so the worker's plain fetch() reaches loopback with no
 * outboundService. Deployed, the same fetch goes to Upstash or a public gateway.
 */
import { rmSync } from "node:fs";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createNodeClient } from "../../src/node.js";
import { makeApp, TOKEN } from "../helpers/app.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { buildWorker, compatibilityDate, type WorkerBuild } from "../helpers/wrangler-build.js";
import { answerOf, everyRoute } from "./every-route.js";
import { fourCalls } from "./four-calls.js";

const APP_TOKEN = `app-${crypto.randomUUID()}`;

let gateway: RunningGateway;
let build: WorkerBuild;
const instances: Miniflare[] = [];

function start(bindings: Record<string, string>): Miniflare {
  const mf = new Miniflare({
    modules: true,
    scriptPath: build.script,
    // Module names are paths relative to this root; workerd refuses names with "..".
    modulesRoot: build.dir,
    compatibilityDate: compatibilityDate(),
    bindings,
  });
  instances.push(mf);
  return mf;
}

beforeAll(async () => {
  [gateway, build] = await Promise.all([
    startGateway({ redisUrl: inject("redisUrl") }),
    buildWorker(),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(instances.map((mf) => mf.dispose()));
  await gateway?.close();
  if (build) rmSync(build.dir, { recursive: true, force: true });
});

describe("worker/adapter/cloudflare/index.ts in workerd (Miniflare)", () => {
  it("answers health, a cache round trip, a queue add/pull and a subject incr", async () => {
    const mf = start({
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: gateway.token,
      REDGE_TOKENS: ` other-token , ${APP_TOKEN} `,
    });
    await fourCalls(
      async (path, init) =>
        (await mf.dispatchFetch(`http://worker.test${path}`, init as never)) as unknown as Response,
      APP_TOKEN,
      inject("redisUrl"),
    );
  });

  it("answers every app route as the app does on Node, the stream receive included", async () => {
    const mf = start({
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: gateway.token,
      REDGE_TOKENS: APP_TOKEN,
    });
    const tag = crypto.randomUUID().slice(0, 8);
    const inWorkerd = await everyRoute(
      async (path, init) =>
        (await mf.dispatchFetch(`http://worker.test${path}`, init as never)) as unknown as Response,
      APP_TOKEN,
      `workerd-${tag}`,
    );
    const client = createNodeClient({ url: gateway.url, token: gateway.token });
    try {
      const app = makeApp(client);
      const onNode = await everyRoute(
        async (path, init) => app.request(path, init),
        TOKEN,
        `node-${tag}`,
      );
      const statuses = (answers: typeof inWorkerd) => answers.map((a) => `${a.route} ${a.status}`);
      expect(statuses(inWorkerd)).toEqual(statuses(onNode));
      expect(inWorkerd.filter((a) => a.status >= 400 && a.status !== 404)).toEqual([]);
    } finally {
      await client.close();
    }
    const received = answerOf(inWorkerd, "POST /streams/{name}/groups/{group}/receive");
    expect(received.json).toMatchObject({
      messages: [
        { data: { a: 1 }, deliveries: 1 },
        { data: "two", deliveries: 1 },
      ],
    });
  });

  it("answers 500 naming the missing variables, and never echoes the secrets it has", async () => {
    const restToken = `rest-secret-${crypto.randomUUID()}`;
    const mf = start({ UPSTASH_REDIS_REST_TOKEN: restToken, REDGE_TOKENS: "  ,  " });
    const response = await mf.dispatchFetch("http://worker.test/health");
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: "misconfigured", message: expect.stringContaining("REDGE_TOKENS") },
    });
    expect(text).toContain("UPSTASH_REDIS_REST_URL");
    expect(text).not.toContain(restToken);
  });
});
