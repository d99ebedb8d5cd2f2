/**
 * The subscriber's own behaviour on each transport: dropped streams and connections, the gap
 * they leave, refusals, stopping. REST runs against a small event-stream server in the Upstash
 * format (test/helpers/sse-server.ts) that forwards from a real redis-server and can be dropped
 * and held down; TCP against a redis-server of this file's own (CLIENT KILL TYPE pubsub must not
 * reach other files' subscribers). The gateway's /subscribe is covered by
 * test/contract/pubsub.contract.test.ts.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  ConnectionError,
  createClient,
  type PubSubEvent,
  type RedgeClient,
  RedgeError,
  ValidationError,
} from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";
import { type SseServer, startSseServer } from "../helpers/sse-server.js";

const FAST = { retries: 1_000, baseDelayMs: 5, maxDelayMs: 20, jitter: false };

/** Reads events until `until` says stop, returning them all. */
async function readUntil(
  iterator: AsyncIterator<PubSubEvent>,
  until: (event: PubSubEvent) => boolean,
): Promise<PubSubEvent[]> {
  const seen: PubSubEvent[] = [];
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) throw new Error(`the subscription ended early after ${JSON.stringify(seen)}`);
    seen.push(value);
    if (until(value)) return seen;
  }
}

const isType = (type: PubSubEvent["type"]) => (event: PubSubEvent) => event.type === type;

describe("REST subscriber (event-stream server)", () => {
  let sse: SseServer;
  let publisher: RedgeClient;
  let client: RedgeClient;
  const tag = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    sse = await startSseServer(inject("redisUrl"));
    publisher = createNodeClient({ url: inject("redisUrl") });
    client = createClient({ url: sse.url, token: sse.token });
  });
  afterAll(async () => {
    await Promise.all([client?.close(), publisher?.close()]);
    await sse?.close();
  });

  it("delivers channels and patterns, names with commas and messages with newlines", async () => {
    const channel = `rest:${tag}:a,b`;
    const subscription = client.subscribe({
      channels: [channel, `rest:${tag}:plain`],
      patterns: [`rest:${tag}:news.*`],
    });
    const confirmations = await readUntil(
      subscription,
      (() => {
        let n = 0;
        return (event) => event.type === "subscribed" && ++n === 3;
      })(),
    );
    expect(confirmations.filter(isType("subscribed")).map((e) => "name" in e && e.name)).toEqual(
      expect.arrayContaining([channel, `rest:${tag}:plain`, `rest:${tag}:news.*`]),
    );
    expect(await publisher.publish(channel, "line 1\nline 2, with a comma")).toBe(1);
    expect(await readUntil(subscription, isType("message"))).toContainEqual({
      type: "message",
      channel,
      message: "line 1\nline 2, with a comma",
    });
    await publisher.publish(`rest:${tag}:news.eu`, "🌍");
    expect(await readUntil(subscription, isType("pmessage"))).toContainEqual({
      type: "pmessage",
      pattern: `rest:${tag}:news.*`,
      channel: `rest:${tag}:news.eu`,
      message: "🌍",
    });
    const closed = once(sse.events, "closed");
    await subscription.return();
    await closed;
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
  });

  it("reconnects after a dropped stream and reports the gap, whose messages are lost", async () => {
    const channel = `rest:${tag}:gap`;
    const subscription = client.subscribe(channel, { reconnect: FAST });
    await readUntil(subscription, isType("subscribed"));
    expect(await publisher.publish(channel, "before")).toBe(1);
    await readUntil(subscription, isType("message"));

    sse.setDown(true);
    const refused = once(sse.events, "refused");
    sse.dropAll();
    // A drop is noticed while the caller waits for the next event (the stream is read on demand).
    const reconnecting = readUntil(subscription, isType("reconnected"));
    await refused;
    // No stream is open: nobody receives it, and it is not delivered later.
    expect(await publisher.publish(channel, "lost")).toBe(0);
    sse.setDown(false);

    const after = await reconnecting;
    expect(after.map((e) => e.type)).toEqual(["subscribed", "reconnected"]);
    const reconnected = after[1] as Extract<PubSubEvent, { type: "reconnected" }>;
    expect(reconnected.attempts).toBeGreaterThanOrEqual(1);
    expect(reconnected.error).toMatch(/event stream/);
    expect(await publisher.publish(channel, "after")).toBe(1);
    const next = await readUntil(subscription, isType("message"));
    expect(next).toEqual([{ type: "message", channel, message: "after" }]);
    await subscription.close();
  });

  it("gives up after `retries` failed attempts in a row, with the last error", async () => {
    const subscription = client.subscribe(`rest:${tag}:giveup`, {
      reconnect: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    });
    await readUntil(subscription, isType("subscribed"));
    let refusals = 0;
    const count = () => refusals++;
    sse.events.on("refused", count);
    sse.setDown(true);
    try {
      sse.dropAll();
      const error = await subscription.next().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/unavailable \(HTTP 503\)/);
      // The drop, then two attempts refused: the policy's retries, no more.
      expect(refusals).toBe(2);
    } finally {
      sse.setDown(false);
      sse.events.off("refused", count);
    }
  });

  it("throws at the first drop with reconnect: false", async () => {
    const subscription = client.subscribe(`rest:${tag}:once`, { reconnect: false });
    await readUntil(subscription, isType("subscribed"));
    sse.dropAll();
    await expect(subscription.next()).rejects.toBeInstanceOf(ConnectionError);
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
  });

  it("stops on the signal, and says why a server refuses without retrying", async () => {
    const stop = new AbortController();
    const subscription = client.subscribe(`rest:${tag}:signal`, { signal: stop.signal });
    await readUntil(subscription, isType("subscribed"));
    const closed = once(sse.events, "closed");
    stop.abort();
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
    await closed;

    const attempts: unknown[] = [];
    const count = (path: unknown) => attempts.push(path);
    sse.events.on("attempt", count);
    const wrongToken = createClient({ url: sse.url, token: "not-the-token" });
    const refused = await wrongToken
      .subscribe(`rest:${tag}:x`, { reconnect: FAST })
      .next()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RedgeError);
    expect((refused as RedgeError).message).toMatch(/refused the token \(HTTP 401\)/);
    expect((refused as Error).message).not.toContain("not-the-token");
    const noPubSub = createClient({ url: `${sse.url}/elsewhere`, token: sse.token });
    const missing = await noPubSub
      .subscribe(`rest:${tag}:x`)
      .next()
      .catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/has no \/subscribe endpoint \(HTTP 404\)/);
    sse.events.off("attempt", count);
    expect(attempts).toHaveLength(2);
    await Promise.all([wrongToken.close(), noPubSub.close()]);
  });

  it("speaks the format @upstash/redis' own Subscriber reads (client.redis on the edge client)", async () => {
    const channel = `rest:${tag}:upstash`;
    const subscriber = client.redis.subscribe<{ n: number }>([channel]);
    const ready = new Promise<void>((resolve, reject) => {
      subscriber.on("subscribe", () => resolve());
      subscriber.on("error", reject);
    });
    const message = new Promise<unknown>((resolve) => subscriber.on("message", resolve));
    await ready;
    expect(await publisher.publish(channel, JSON.stringify({ n: 1 }))).toBe(1);
    expect(await message).toEqual({ channel, message: { n: 1 } });
    const closed = once(sse.events, "closed");
    await subscriber.unsubscribe();
    await closed;
  });

  it("refuses bad names before opening anything", async () => {
    const attempts: unknown[] = [];
    const count = (path: unknown) => attempts.push(path);
    sse.events.on("attempt", count);
    for (const targets of [
      "",
      "bad\nname",
      "\ud800",
      [],
      { channels: [], patterns: [] },
      { channel: ["x"] },
      Array.from({ length: 257 }, (_, i) => `c${i}`),
    ]) {
      expect(() => client.subscribe(targets as string)).toThrow(ValidationError);
    }
    await expect(publisher.publish("\ud800", "m")).rejects.toThrow(/channel/);
    await expect(publisher.publish("c", 5 as unknown as string)).rejects.toThrow(/message/);
    sse.events.off("attempt", count);
    expect(attempts).toEqual([]);
  });
});

describe("TCP subscriber (a redis-server of its own)", () => {
  let redis: RunningRedis;
  let client: RedgeClient;
  let admin: RedgeClient;

  beforeAll(async () => {
    redis = await startRedisServer();
    client = createNodeClient({ url: redis.url });
    admin = createNodeClient({ url: redis.url });
  });
  afterAll(async () => {
    await Promise.all([client?.close(), admin?.close()]);
    await redis?.stop();
  });

  it("resubscribes on a new connection after the old one is killed, and says so", async () => {
    const subscription = client.subscribe(
      { channels: ["tcp:a"], patterns: ["tcp:p.*"] },
      { reconnect: FAST },
    );
    const first = await readUntil(subscription, (e) => e.type === "subscribed" && e.count === 2);
    expect(first).toEqual([
      { type: "subscribed", kind: "channel", name: "tcp:a", count: 1 },
      { type: "subscribed", kind: "pattern", name: "tcp:p.*", count: 2 },
    ]);
    expect(await admin.command(["CLIENT", "KILL", "TYPE", "pubsub"])).toBe(1);
    const after = await readUntil(subscription, isType("reconnected"));
    expect(after.map((e) => e.type)).toEqual(["subscribed", "subscribed", "reconnected"]);
    expect(await admin.publish("tcp:p.1", "x")).toBe(1);
    expect(await readUntil(subscription, isType("pmessage"))).toEqual([
      { type: "pmessage", pattern: "tcp:p.*", channel: "tcp:p.1", message: "x" },
    ]);
    await subscription.close();
    expect(await admin.command(["PUBSUB", "NUMPAT"])).toBe(0);
  });

  it("closes its subscriptions with the client", async () => {
    const own = createNodeClient({ url: redis.url });
    const subscription = own.subscribe("tcp:closing");
    await readUntil(subscription, isType("subscribed"));
    expect(await admin.command(["PUBSUB", "NUMSUB", "tcp:closing"])).toEqual(["tcp:closing", 1]);
    await own.close();
    expect(await subscription.next()).toEqual({ done: true, value: undefined });
    expect(await admin.command(["PUBSUB", "NUMSUB", "tcp:closing"])).toEqual(["tcp:closing", 0]);
    expect(() => own.subscribe("tcp:closing")).toThrow(/closed/);
  });
});
