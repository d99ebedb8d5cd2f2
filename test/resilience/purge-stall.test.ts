/**
 * Purge pulls through a stall of Redis (SIGSTOP), over TCP and through the gateway: two consumers
 * pull 4,000 items with purge while Redis is stopped and resumed, and every item must be received
 * exactly once.
 *
 * Deterministic by design: Redis is stopped from inside a consumer, right after it handled a
 * batch and before its next pull, so that pull is certainly sent to a stopped server; Redis is
 * resumed only once that pull has timed out and the client has scheduled a retry (`onRetry`), so
 * the retry path is always exercised. The stall lasts at least STALL_MS (the scenario), but the
 * outcome does not depend on how long it lasts: a retry repeats the same pull id, and a consumer
 * that sees an error repeats the same pull id too.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const ITEMS = 4_000;
const CONSUMERS = 2;
const COUNT = 10;
/** How long Redis stays stopped at least (the scenario). */
const STALL_MS = 1_500;
/** Stop Redis once this many items were received, so pulls are flowing when it stops. */
const STOP_AFTER = 1_000;

describe.each(["tcp", "rest"] as const)("purge pulls through a stall [%s]", (transport) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  async function clientFor(redis: RunningRedis, onRetry: () => void): Promise<RedgeClient> {
    // Short attempts, many of them: the stall spans several timeouts and retries.
    const options = {
      commandTimeoutMs: 300,
      retry: { retries: 20, baseDelayMs: 50, maxDelayMs: 200, jitter: true },
      onRetry,
    };
    let client: RedgeClient;
    if (transport === "tcp") {
      client = createNodeClient({ url: redis.url, ...options });
    } else {
      const gateway: RunningGateway = await startGateway({ redisUrl: redis.url });
      cleanup.push(() => gateway.close());
      client = createNodeClient({ url: gateway.url, token: gateway.token, ...options });
    }
    cleanup.push(() => client.close());
    return client;
  }

  it(`${CONSUMERS} consumers receive each of ${ITEMS} items exactly once`, async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    cleanup.push(async () => redis.process.kill("SIGCONT"));

    let retries = 0;
    let onFirstRetry: (() => void) | undefined;
    const retried = new Promise<void>((resolve) => {
      onFirstRetry = resolve;
    });
    const client = await clientFor(redis, () => {
      retries++;
      onFirstRetry?.();
    });
    const stream = client.priority<number>(`stall-${transport}`);
    const items = Array.from({ length: ITEMS }, (_, i) => ({ id: `i${i}`, data: i, priority: 0 }));
    // Not the counts addMany reports: a chunk retried after a (300 ms) timeout counts as existing.
    await stream.addMany(items);
    expect(await stream.size()).toEqual({ ready: ITEMS, leased: 0 });

    const received = new Map<string, number>();
    let errors = 0;
    let stopped: Promise<void> | undefined;
    const stall = async () => {
      const since = performance.now();
      await retried;
      const left = STALL_MS - (performance.now() - since);
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      redis.process.kill("SIGCONT");
    };

    let pulls = 0;
    const consume = async (consumer: number) => {
      for (;;) {
        // One id per pull, kept when the pull fails: the repeat gets what the failed one took.
        const pullId = `c${consumer}-${++pulls}`;
        let batch: Awaited<ReturnType<typeof stream.pull>>;
        for (;;) {
          try {
            batch = await stream.pull({ count: COUNT, pullId });
            break;
          } catch {
            errors++;
            onFirstRetry?.();
          }
        }
        if (batch.length === 0) return;
        for (const item of batch) received.set(item.id, (received.get(item.id) ?? 0) + 1);
        if (!stopped && received.size >= STOP_AFTER) {
          // Stopped before this consumer's next pull is sent: that pull meets a stopped Redis.
          redis.process.kill("SIGSTOP");
          stopped = stall();
        }
      }
    };
    await Promise.all(Array.from({ length: CONSUMERS }, (_, i) => consume(i)));
    await stopped;

    const duplicates = [...received.values()].filter((n) => n > 1).length;
    const lost = ITEMS - received.size;
    console.log(
      `purge stall [${transport}]: ${lost} of ${ITEMS} lost, ${duplicates} duplicated, ${retries} retries, ${errors} errors seen by consumers`,
    );
    expect(stopped).toBeDefined();
    expect(retries).toBeGreaterThan(0);
    expect(await stream.size()).toEqual({ ready: 0, leased: 0 });
    expect({ lost, duplicates }).toEqual({ lost: 0, duplicates: 0 });
  });
});
