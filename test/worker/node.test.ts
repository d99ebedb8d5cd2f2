/**
 * worker/adapter/node/index.ts: the app on @hono/node-server over TCP (ioredis), over real HTTP.
 */
import { request as httpRequest } from "node:http";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type RunningServer, startServer } from "../../worker/adapter/node/index.js";
import { expectDocsServedLocally } from "../helpers/docs-page.js";
import { fourCalls } from "./four-calls.js";

const APP_TOKEN = `app-${crypto.randomUUID()}`;
const servers: RunningServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function start(options: Partial<Parameters<typeof startServer>[0]> = {}) {
  const server = await startServer({
    redis: inject("redisUrl"),
    port: 0,
    tokens: [APP_TOKEN],
    shutdownTimeoutMs: 2_000,
    ...options,
  });
  servers.push(server);
  return server;
}

describe("startServer (Node, TCP transport)", () => {
  it("answers health, a cache round trip, a queue add/pull and a subject incr", async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.client.transport).toBe("tcp");
    await fourCalls(
      (path, init) => fetch(`${server.url}${path}`, init),
      APP_TOKEN,
      inject("redisUrl"),
    );
  });

  it("streams a channel over real HTTP until the caller goes (GET /channels/:name/events)", async () => {
    const server = await start();
    const name = `node-${crypto.randomUUID().slice(0, 8)}`;
    const auth = { authorization: `Bearer ${APP_TOKEN}` };
    const stop = new AbortController();
    const response = await fetch(`${server.url}/channels/${name}/events`, {
      headers: auth,
      signal: stop.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${needle}: ${text}`);
        text += value;
      }
    };
    await readUntil("event: subscribed");
    // The stream outlives the request itself: several messages arrive on it.
    for (const message of ["one", "two"]) {
      const published = await fetch(`${server.url}/channels/${name}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ message }),
      });
      expect(await published.json()).toEqual({ receivers: 1 });
      await readUntil(`data: ${message}\n\n`);
    }
    stop.abort();
    await reader.cancel().catch(() => {});
    // The server sees the socket close on its own time: the count is read until it is 0.
    for (;;) {
      const reply = (await server.client.command(["PUBSUB", "NUMSUB", name])) as [string, number];
      if (Number(reply[1]) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  it("serves /docs with Swagger UI's files from swagger-ui-dist, no CDN, no token", async () => {
    const server = await start();
    await expectDocsServedLocally(server.url);
  });

  it("lets an in-flight request finish on close, then refuses connections", async () => {
    const server = await start();
    const body = JSON.stringify({ value: "kept", ttlMs: 60_000 });
    const key = `/cache/node-${crypto.randomUUID().slice(0, 8)}/entry`;
    // Headers and half of the body now; the rest only once close() has begun.
    const request = httpRequest(`${server.url}${key}`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${APP_TOKEN}`,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      },
    });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.once("error", reject);
      request.once("response", (response) => {
        let text = "";
        response.on("data", (d) => {
          text += String(d);
        });
        response.once("end", () => resolve({ status: response.statusCode ?? 0, text }));
      });
    });
    request.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    const closed = server.close();
    request.end(body.slice(10));
    expect(await answered).toEqual({ status: 200, text: expect.stringContaining('"ok":true') });
    await closed;
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    // Idempotent.
    await server.close();
  });

  it("rejects bad options with a ConfigError naming the option, never the token", async () => {
    await expect(start({ tokens: [] })).rejects.toThrow(/tokens/);
    const secret = `bad token ${crypto.randomUUID()}`;
    const error = await start({ tokens: [secret] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain(secret);
  });

  it("reports a taken port as the listen error", async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    await expect(start({ port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
