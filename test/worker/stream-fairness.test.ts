/**
 * Blocking receives through the app on Node (`startServer`, what `redge serve` runs) over TCP:
 * twelve receives blocked on stream A must not starve a receive on stream B, whose message
 * arrives while it waits; and with every pooled connection held, B polls and is answered.
 *
 * Deterministic by design: every step waits for an observable state (the clients blocked in
 * Redis, the receive scripts Redis has run, a reply), never for a time. "Promptly" means B is
 * answered while every other receive is still blocked: they block for 20 s, so only a B that
 * waited for one of their connections would see them end first. The test's own redis-server
 * keeps other test files' clients out of the counts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { dedicatedShare } from "../../src/transport/tcp.js";
import { type RunningServer, startServer } from "../../worker/adapter/node/index.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const TOKEN = `fair-${crypto.randomUUID()}`;
const BLOCKED = 12;
/** The config default: more receives on A than the whole pool. */
const MAX_CONNECTIONS = 10;
const A_BLOCK_MS = 20_000;

/** Resolves once `check` holds, asking again after each short pause (a wait for a state). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("blocking receives through the app [tcp]", () => {
  let redis: RunningRedis;
  let server: RunningServer;
  let admin: RedgeClient;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startServer({
      redis: { url: redis.url, maxConnections: MAX_CONNECTIONS },
      port: 0,
      tokens: [TOKEN],
      shutdownTimeoutMs: 2_000,
    });
    admin = createNodeClient({ url: redis.url });
    // Every group exists before the receives that matter (the first receive creates a group).
    for (const stream of ["a", "b", "c", "d"]) {
      const response = await post(`/streams/${stream}/groups/g/receive`, { consumer: "setup" });
      expect(response.status).toBe(200);
    }
  }, 30_000);
  afterAll(async () => {
    await admin?.close();
    await server?.close();
    await redis?.stop();
  });

  const post = (path: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const blockedClients = async () =>
    Number(/blocked_clients:(\d+)/.exec(String(await admin.command(["INFO", "clients"])))?.[1]);
  /** Non-blocking receives Redis has run so far (each is one EVALSHA of receive.lua). */
  const receivesRun = async () =>
    Number(
      /cmdstat_evalsha:calls=(\d+)/.exec(
        String(await admin.command(["INFO", "commandstats"])),
      )?.[1] ?? 0,
    );

  /** `n` receives on `stream` that block for 20 s (until aborted), counting those that ended. */
  function blockOn(stream: string, n: number) {
    const stop = new AbortController();
    const state = { settled: 0, statuses: [] as (number | "aborted")[] };
    const all = Array.from({ length: n }, (_, i) =>
      post(
        `/streams/${stream}/groups/g/receive`,
        { consumer: `${stream}${i}`, blockMs: A_BLOCK_MS },
        stop.signal,
      )
        .then((response) => response.status)
        .catch(() => "aborted" as const)
        .then((status) => {
          state.settled++;
          state.statuses.push(status);
        }),
    );
    return {
      state,
      async stop() {
        stop.abort();
        await Promise.all(all);
        await until(async () => (await blockedClients()) === 0);
      },
    };
  }

  /** Receives on `stream` as `consumer`; `whenWaiting` runs once the receive is waiting. */
  async function receiveWhile(stream: string, whenWaiting: () => Promise<void>) {
    const reply = post(`/streams/${stream}/groups/g/receive`, { consumer: "r", blockMs: 10_000 });
    await whenWaiting();
    expect(
      (await post(`/streams/${stream}/messages`, { messages: [`for ${stream}`] })).status,
    ).toBe(200);
    const response = await reply;
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: { data: unknown }[] }).messages.map(
      (m) => m.data,
    );
  }

  it(`${BLOCKED} receives blocked on one stream hold only its share; another stream's receive is answered`, async () => {
    const share = dedicatedShare(MAX_CONNECTIONS);
    const onA = blockOn("a", BLOCKED);
    await until(async () => (await blockedClients()) === share);
    // B finds a connection free (A holds only its share) and blocks on it: the message wakes it.
    const got = await receiveWhile("b", () =>
      until(async () => (await blockedClients()) === share + 1),
    );
    expect(got).toEqual(["for b"]);
    expect(onA.state.settled).toBe(0);
    // A's receives beyond its share poll instead of queueing: a message for A reaches one.
    expect((await post(`/streams/a/messages`, { messages: ["for a"] })).status).toBe(200);
    await until(async () => onA.state.settled >= 1);
    expect(onA.state.statuses).toEqual([200]);
    await onA.stop();
  });

  it("with every connection held, a receive on another stream polls and is answered", async () => {
    const share = dedicatedShare(MAX_CONNECTIONS);
    // Two streams at their share fill the pool, and nothing polls (none is beyond its share).
    const onC = blockOn("c", share);
    const onD = blockOn("d", MAX_CONNECTIONS - share);
    await until(async () => (await blockedClients()) === MAX_CONNECTIONS);
    const before = await receivesRun();
    // Two runs of receive.lua: B's first read, and a poll after it (B waits, polling).
    const got = await receiveWhile("b", () =>
      until(async () => (await receivesRun()) >= before + 2),
    );
    expect(got).toEqual(["for b"]);
    expect(onC.state.settled + onD.state.settled).toBe(0);
    expect(await blockedClients()).toBe(MAX_CONNECTIONS);
    await Promise.all([onC.stop(), onD.stop()]);
  });
});
