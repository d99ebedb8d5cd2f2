/**
 * Faults against real servers on both transports: Redis refusing connections, restarting
 * mid-call, and hanging (SIGSTOP). The REST path goes through the gateway, whose 503 replies the
 * REST transport maps onto the same typed errors.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, type RedgeClient, TimeoutError } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { freePort } from "../helpers/free-port.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const fastRetry = { retries: 3, baseDelayMs: 50, maxDelayMs: 200, jitter: true };

describe.each(["tcp", "rest"] as const)("faults [%s]", (transport) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  async function clientFor(
    redisUrl: string,
    options: { commandTimeoutMs?: number; onRetry?: (e: unknown, a: number) => void } = {},
  ): Promise<RedgeClient> {
    let client: RedgeClient;
    if (transport === "tcp") {
      client = createNodeClient({ url: redisUrl, retry: fastRetry, ...options });
    } else {
      const gateway: RunningGateway = await startGateway({ redisUrl });
      cleanup.push(() => gateway.close());
      client = createNodeClient({
        url: gateway.url,
        token: gateway.token,
        retry: fastRetry,
        ...options,
      });
    }
    cleanup.push(() => client.close());
    return client;
  }

  async function server(port?: number): Promise<RunningRedis> {
    const redis = await startRedisServer(port === undefined ? {} : { port });
    cleanup.push(() => redis.stop());
    return redis;
  }

  it("reports an unreachable Redis as a ConnectionError after retrying", async () => {
    const port = await freePort();
    const retries: number[] = [];
    const client = await clientFor(`redis://127.0.0.1:${port}`, {
      onRetry: (_e, attempt) => retries.push(attempt),
    });
    const error = await client.command(["GET", "k"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(retries).toEqual([1, 2, 3]);

    const once: number[] = [];
    const noRetry = await clientFor(`redis://127.0.0.1:${port}`, {
      onRetry: (_e, attempt) => once.push(attempt),
    });
    await expect(noRetry.command(["GET", "k"], { retry: false })).rejects.toBeInstanceOf(
      ConnectionError,
    );
    expect(once).toEqual([]);
  });

  it("health() reports a dead server without throwing and without the password", async () => {
    const port = await freePort();
    const client = await clientFor(`redis://:s3cretpassw0rd@127.0.0.1:${port}`);
    const report = await client.health({ timeoutMs: 1_000 });
    expect(report.ok).toBe(false);
    expect(report.error).toBeTruthy();
    expect(JSON.stringify(report)).not.toContain("s3cretpassw0rd");
  });

  it("retries through a restart of Redis and succeeds", async () => {
    const redis = await server();
    let retried: () => void = () => {};
    const firstRetry = new Promise<void>((resolve) => {
      retried = resolve;
    });
    const client = await clientFor(redis.url, { onRetry: () => retried() });
    await client.command(["SET", "restart", "before"]);
    await redis.stop();
    // A generous budget (at least ~4 s of backoff) for the restart below, however slow it is.
    const pending = client.command(["GET", "restart"], {
      retry: { retries: 20, baseDelayMs: 100, maxDelayMs: 400 },
    });
    // Restarted once the call is known to have failed and to be retrying.
    await firstRetry;
    await server(redis.port);
    // The restarted server has no data (no persistence): the point is that the call recovered.
    expect(await pending).toBeNull();
  });

  it("a hung server (SIGSTOP) gives a TimeoutError within the timeout, then recovers", async () => {
    const redis = await server();
    const client = await clientFor(redis.url, { commandTimeoutMs: 500 });
    expect(await client.command(["PING"])).toBe("PONG");
    redis.process.kill("SIGSTOP");
    cleanup.push(async () => redis.process.kill("SIGCONT"));
    const started = Date.now();
    const error = await client
      .command(["INCR", "hung"], { idempotent: false })
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    // Within the 500 ms timeout, not the default 5 s: a generous bound for a loaded machine.
    expect(elapsed).toBeLessThan(4_000);
    redis.process.kill("SIGCONT");
    // The INCR may run once the server wakes up; it was not repeated blindly.
    expect(await client.command(["PING"], { timeoutMs: 2_000 })).toBe("PONG");
    expect(Number(await client.command(["GET", "hung"]))).toBeLessThanOrEqual(1);
  });
});

/**
 * The bound README documents for a hung server under the DEFAULT retry policy (3 retries, 100 ms
 * base, 2 s cap, jitter): `timeoutMs` bounds one attempt, so an idempotent read takes
 * attempts × timeoutMs + the backoff sleeps before it fails; `retry: false` is the hard bound.
 */
describe("hung server with the default retry policy [tcp]", () => {
  const TIMEOUT_MS = 300;
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  it("a read fails after 4 attempts × timeoutMs + backoff; retry: false after one", async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    const attempts: number[] = [];
    const delays: number[] = [];
    const client = createNodeClient({
      url: redis.url,
      commandTimeoutMs: TIMEOUT_MS,
      onRetry: (_e, attempt, delayMs) => {
        attempts.push(attempt);
        delays.push(delayMs);
      },
    });
    cleanup.push(() => client.close());
    expect(await client.command(["PING"])).toBe("PONG");
    redis.process.kill("SIGSTOP");
    cleanup.push(async () => redis.process.kill("SIGCONT"));

    let started = performance.now();
    const error = await client.command(["GET", "k"]).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(attempts).toEqual([1, 2, 3]);
    // Equal jitter: each sleep is between half and all of 100, 200, 400 ms.
    const backoff = delays.reduce((a, b) => a + b, 0);
    expect(backoff).toBeGreaterThanOrEqual(350);
    expect(backoff).toBeLessThanOrEqual(700);
    // The documented bound: 4 × timeoutMs + backoff (≤ 4 × 300 + 700 ms here), not timeoutMs.
    // Timers never fire early, so the lower bound holds on any machine; the attempts are
    // counted above, so the upper bound only has to rule out a hang (generous under load).
    expect(elapsed).toBeGreaterThanOrEqual(4 * TIMEOUT_MS + backoff - 50);
    expect(elapsed).toBeLessThan(4 * TIMEOUT_MS + 700 + 5_000);

    attempts.length = 0;
    started = performance.now();
    const once = await client.command(["GET", "k"], { retry: false }).catch((e: unknown) => e);
    const single = performance.now() - started;
    expect(once).toBeInstanceOf(TimeoutError);
    expect(attempts).toEqual([]);
    // One attempt (no retry was announced): well below a second attempt's 2 × 300 ms + backoff
    // on an idle machine; generous here, the attempt count above is the real check.
    expect(single).toBeLessThan(TIMEOUT_MS + 3_000);
    console.log(
      `hung server, default retries: TimeoutError after ${Math.round(elapsed)} ms (4 × ${TIMEOUT_MS} ms + ${Math.round(backoff)} ms backoff); retry: false after ${Math.round(single)} ms`,
    );
  });
});
