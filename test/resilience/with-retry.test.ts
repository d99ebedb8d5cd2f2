/**
 * withRetry (the seed's retry decorator) around a function of several commands, against a real
 * Redis that is down on the first attempt and started (on the same port) before the retry: the
 * whole function runs again and succeeds, on both transports (REST: the gateway answers 503
 * while Redis is down, which the REST transport reports as a ConnectionError).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, type RedgeClient, withRetry } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { freePort } from "../helpers/free-port.js";
import { startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

/** Resolves once a PING through `client` answers (health() never throws). */
async function connected(client: RedgeClient): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await client.health({ timeoutMs: 500 })).ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the client did not reconnect within 200 checks");
}

describe.each(["tcp", "rest"] as const)("withRetry against a real Redis [%s]", (transport) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  });

  async function clientFor(url: string): Promise<RedgeClient> {
    // The client's own retries are off: the decorator is what retries here.
    const retry = { retries: 0 };
    if (transport === "tcp") {
      const client = createNodeClient({ url, retry });
      cleanup.push(() => client.close());
      return client;
    }
    const gateway = await startGateway({ redisUrl: url });
    cleanup.push(() => gateway.close());
    const client = createNodeClient({ url: gateway.url, token: gateway.token, retry });
    cleanup.push(() => client.close());
    return client;
  }

  it("retries the whole function after Redis comes back, and reports the fault", async () => {
    const port = await freePort();
    const client = await clientFor(`redis://127.0.0.1:${port}`);
    let redis: Promise<RunningRedis> | undefined;
    const faults: unknown[] = [];
    let runs = 0;
    const checkout = withRetry(
      async (cart: string, item: string) => {
        runs++;
        // The retry waits for the server started after the first failure, and for the client
        // to have reconnected to it (TCP reconnects with its own backoff): no timing guess.
        if (redis) {
          await redis;
          await connected(client);
        }
        await client.command(["SADD", cart, item]);
        return client.command(["SCARD", cart]);
      },
      {
        retries: 3,
        baseDelayMs: 10,
        onRetry: (error) => {
          faults.push(error);
          if (redis) return;
          const started = startRedisServer({ port });
          redis = started;
          // Registered now, not once it is up: a test failing meanwhile still stops it.
          cleanup.push(async () => (await started).stop());
        },
      },
    );
    expect(await checkout("cart:1", "apple")).toBe(1);
    expect(runs).toBe(2);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toBeInstanceOf(ConnectionError);

    // Nothing to retry once it is up; a command error is never retried.
    expect(await checkout("cart:1", "pear")).toBe(2);
    await client.command(["SET", "not-a-set", "x"]);
    await expect(checkout("not-a-set", "x")).rejects.toMatchObject({ prefix: "WRONGTYPE" });
    expect(faults).toHaveLength(1);
  });
});
