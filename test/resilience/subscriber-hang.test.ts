/**
 * A subscriber on a hung Redis (SIGSTOP: the socket stays open, nothing is answered) would look
 * like a quiet channel forever. With `healthCheckIntervalMs` the subscriber connection is PINGed;
 * an unanswered PING drops it, the subscription retries until Redis answers again and then says
 * `reconnected`. Waits are on events (the retry callback, the next event), not on time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createNodeClient, type PubSubEvent } from "../../src/node.js";
import { type ManagedRedis, spawnRedis, tempDir } from "../helpers/topology/processes.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

describe("subscriber on a hung Redis", () => {
  it("drops the silent connection, resubscribes once Redis answers, and says so", async () => {
    const redis: ManagedRedis = await spawnRedis({ dir: tempDir("subscriber-hang") });
    cleanup.push(() => redis.stop()); // stop() sends SIGCONT first
    let retried: (() => void) | undefined;
    const firstRetry = new Promise<void>((resolve) => {
      retried = resolve;
    });
    const client = createNodeClient({
      url: `redis://127.0.0.1:${redis.port}`,
      healthCheckIntervalMs: 100,
      commandTimeoutMs: 1_000,
      onRetry: () => retried?.(),
    });
    cleanup.push(() => client.close({ timeoutMs: 500 }));
    const subscription = client.subscribe("hang:c", {
      reconnect: { retries: 1_000, baseDelayMs: 20, maxDelayMs: 200 },
    });
    expect((await subscription.next()).value).toMatchObject({ type: "subscribed" });

    redis.signal("SIGSTOP");
    cleanup.push(async () => redis.signal("SIGCONT"));
    const reconnected = (async () => {
      const seen: PubSubEvent[] = [];
      for (;;) {
        const { value, done } = await subscription.next();
        if (done) throw new Error("ended");
        seen.push(value);
        if (value.type === "reconnected") return seen;
      }
    })();
    await firstRetry;
    redis.signal("SIGCONT");
    const seen = await reconnected;
    const last = seen.at(-1) as Extract<PubSubEvent, { type: "reconnected" }>;
    expect(last.error).toMatch(/stopped answering the subscriber/);
    expect(await client.publish("hang:c", "back")).toBe(1);
    expect((await subscription.next()).value).toEqual({
      type: "message",
      channel: "hang:c",
      message: "back",
    });
    await subscription.close();
  });
});
