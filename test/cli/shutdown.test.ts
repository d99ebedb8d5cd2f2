/**
 * `redge serve` and `redge gateway` shut down in bounded time: on SIGTERM they stop accepting,
 * let the request in flight finish if Redis answers within the deadline, and exit within 5 s
 * even while Redis hangs (SIGSTOP), the request still waiting getting a 503.
 *
 * Each test has a redis-server of its own (it is stopped). "In flight" is observed, not assumed:
 * the request's command is seen waiting in the stopped server's socket (`ss` Recv-Q).
 */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { type CliRun, runCli } from "../helpers/cli.js";
import { refuses } from "../helpers/dev-banner.js";
import { freePort } from "../helpers/free-port.js";
import { type ManagedRedis, spawnRedis, tempDir, waitFor } from "../helpers/topology/processes.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

const TOKEN = `shutdown-${crypto.randomUUID()}`;

async function server(): Promise<ManagedRedis> {
  const redis = await spawnRedis({ dir: tempDir("shutdown") });
  cleanup.push(() => redis.stop()); // SIGCONT first
  return redis;
}

/** Bytes sent to the server on `port` that it has not read (it is stopped). */
function unreadBytes(port: number): number {
  const out = execFileSync("ss", ["-tnH", "state", "established", `( sport = :${port} )`], {
    encoding: "utf8",
  });
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
}

interface Kind {
  name: "serve" | "gateway";
  start(redisUrl: string, port: number): CliRun;
  /** A request that reads key `k` through Redis; resolves with its status and body. */
  read(url: string): Promise<{ status: number; body: string }>;
  /** Writes `v` under key `k`. */
  write(url: string): Promise<void>;
}

async function answer(response: Promise<Response>) {
  const r = await response;
  return { status: r.status, body: await r.text() };
}

const auth = { authorization: `Bearer ${TOKEN}` };
const kinds: Kind[] = [
  {
    name: "serve",
    // A command timeout far beyond the test: only the shutdown may end the waiting request.
    start: (redisUrl, port) =>
      runCli(["serve", "--redis", redisUrl, "--port", String(port)], {
        env: { REDGE_TOKENS: TOKEN, REDIS_COMMAND_TIMEOUT_MS: "60000" },
      }),
    read: (url) => answer(fetch(`${url}/cache/shutdown/k`, { headers: auth })),
    write: async (url) => {
      const r = await fetch(`${url}/cache/shutdown/k`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ value: "v" }),
      });
      expect(r.status).toBe(200);
    },
  },
  {
    name: "gateway",
    start: (redisUrl, port) =>
      runCli(
        [
          "gateway",
          "--redis",
          redisUrl,
          "--port",
          String(port),
          "--command-timeout-ms",
          "60000",
          "--health-check-interval-ms",
          "0",
        ],
        { env: { REDGE_TOKENS: TOKEN } },
      ),
    read: (url) =>
      answer(fetch(url, { method: "POST", headers: auth, body: JSON.stringify(["GET", "k"]) })),
    write: async (url) => {
      const r = await fetch(url, {
        method: "POST",
        headers: auth,
        body: JSON.stringify(["SET", "k", "v"]),
      });
      expect(r.status).toBe(200);
    },
  },
];

async function started(kind: Kind, redis: ManagedRedis) {
  const port = await freePort();
  const cli = kind.start(redis.url, port);
  cleanup.push(async () => {
    if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
  });
  await waitFor(
    `redge ${kind.name} to listen`,
    async () => (cli.stdout().includes("listening on") ? true : undefined),
    20_000,
  );
  const url = `http://127.0.0.1:${port}`;
  await kind.write(url);
  return { cli, url, port };
}

/** Stops Redis, then sends a read and waits until its command sits unread at the server. */
async function readWhileHung(kind: Kind, redis: ManagedRedis, url: string) {
  redis.signal("SIGSTOP");
  cleanup.push(async () => redis.signal("SIGCONT"));
  const pending = kind.read(url).catch((e: unknown) => e);
  await waitFor("the request's command to reach the stopped Redis", async () =>
    unreadBytes(redis.port) > 0 ? true : undefined,
  );
  // Wrapped: an async function returning the promise itself would wait for it.
  return { pending };
}

describe.each(kinds)("redge $name shutdown", (kind) => {
  it("SIGTERM: stops accepting, lets the in-flight request finish, exits 0", async () => {
    const redis = await server();
    const { cli, url, port } = await started(kind, redis);
    const { pending } = await readWhileHung(kind, redis, url);

    cli.child.kill("SIGTERM");
    await waitFor("the port to refuse connections", async () =>
      (await refuses(port)) ? true : undefined,
    );
    redis.signal("SIGCONT"); // Redis answers within the deadline: the request completes.
    const reply = await pending;
    expect(reply).toMatchObject({ status: 200 });
    expect((reply as { body: string }).body).toContain('"v"');
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toMatch(/SIGTERM received, shutting down/);
  }, 60_000);

  it("exits within 5 s while Redis hangs; the waiting request gets a 503", async () => {
    const redis = await server();
    const { cli, url } = await started(kind, redis);
    const { pending } = await readWhileHung(kind, redis, url);

    const signalled = performance.now();
    cli.child.kill("SIGTERM");
    const code = await cli.exited;
    const ms = performance.now() - signalled;
    console.log(`redge ${kind.name} with Redis stopped: exited ${Math.round(ms)} ms after SIGTERM`);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    expect(await pending).toMatchObject({ status: 503 });
  }, 60_000);
});
