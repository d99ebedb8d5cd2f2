/**
 * Contract: pub/sub, identical over TCP (a subscriber connection) and over REST through the
 * project's own gateway (its `POST /subscribe/...` event stream, the Upstash format).
 *
 * Until the gateway serves `/subscribe`, the REST half fails, on purpose and with a message that
 * says so: it is the end-to-end check of the REST subscriber against the real gateway.
 * (test/transport/pubsub.test.ts covers drops and refusals against a stand-in server.)
 */
import { expect, it } from "vitest";
import { type PubSubEvent, type Subscription, ValidationError } from "../../src/index.js";
import { describeTransports } from "./transports.js";

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

/** Waits until every channel and pattern of `subscription` is confirmed. */
async function subscribed(subscription: Subscription): Promise<void> {
  let left = subscription.channels.length + subscription.patterns.length;
  await readUntil(subscription, (e) => e.type === "subscribed" && --left === 0);
}

describeTransports("pub/sub", (t) => {
  // On a Cluster, PUBLISH counts the subscribers of the node that ran it only (every node
  // forwards the message to its own), so the count there is any number up to `n`.
  const receivers = (n: number) => (t.cluster ? expect.any(Number) : n);
  /**
   * What arrived, against what was published. On a Cluster each PUBLISH may go to another node and
   * reach the subscriber's node over the cluster bus, so Redis keeps no order between them there:
   * the same messages, in any order. On one server, the order they were published in.
   */
  const expectDelivered = <T>(got: T[], expected: T[]) => {
    if (!t.cluster) return expect(got).toEqual(expected);
    const key = (v: T) => JSON.stringify(v);
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
  };

  it("the server serves pub/sub (REST: the gateway answers POST /subscribe/<channel>)", async () => {
    const subscription = t.client.subscribe(t.key("probe"), { reconnect: false });
    const first = await subscription.next().catch((error: unknown) => {
      throw new Error(
        `${t.name}: cannot subscribe (${(error as Error).message}). On REST this means the gateway does not serve /subscribe yet: run this file again once the gateway's pub/sub branch has landed.`,
      );
    });
    expect(first.value).toEqual({
      type: "subscribed",
      kind: "channel",
      name: t.key("probe"),
      count: 1,
    });
    await subscription.close();
  });

  it("delivers to channels and patterns; publish counts the receivers", async () => {
    const channel = t.key("news");
    const subscription = t.client.subscribe({
      channels: [channel, t.key("other")],
      patterns: [`${t.key("sport")}.*`],
    });
    await subscribed(subscription);
    expect(await t.client.publish(channel, "hello")).toEqual(receivers(1));
    expect(await t.client.publish(`${t.key("sport")}.tennis`, "ace")).toEqual(receivers(1));
    expect(await t.client.publish(t.key("nobody-listens"), "x")).toBe(0);
    const events = await readUntil(subscription, (e) => e.type === "pmessage");
    expectDelivered(events, [
      { type: "message", channel, message: "hello" },
      {
        type: "pmessage",
        pattern: `${t.key("sport")}.*`,
        channel: `${t.key("sport")}.tennis`,
        message: "ace",
      },
    ]);
    await subscription.close();
  });

  it("carries any name and message: commas, slashes, percent signs, newlines, emoji", async () => {
    const channel = t.key("a,b/c%20d?e#f 🌍");
    const subscription = t.client.subscribe([channel]);
    await subscribed(subscription);
    const messages = ["", "a,b", "line 1\nline 2", "data: not a field", "é🌍世界", '{"json":1}'];
    for (const message of messages) {
      expect(await t.client.publish(channel, message)).toEqual(receivers(1));
    }
    const got: string[] = [];
    await readUntil(subscription, (e) => {
      if (e.type === "message") got.push(e.message);
      return got.length === messages.length;
    });
    expectDelivered(got, messages);
    await subscription.close();
  });

  it("break, close() and the signal unsubscribe (the server counts no subscriber after)", async () => {
    const channel = t.key("leaving");
    const numsub = async () =>
      (await t.client.command(["PUBSUB", "NUMSUB", channel])) as [string, number];
    const viaBreak = t.client.subscribe(channel);
    for await (const event of viaBreak) if (event.type === "subscribed") break;
    const stop = new AbortController();
    const viaSignal = t.client.subscribe(channel, { signal: stop.signal });
    await subscribed(viaSignal);
    const viaClose = t.client.subscribe(channel);
    await subscribed(viaClose);
    stop.abort();
    expect(await viaSignal.next()).toEqual({ done: true, value: undefined });
    await viaClose.close();
    // On a Cluster NUMSUB (like PUBLISH) counts one node's subscribers only.
    if (t.cluster) return;
    // A server notices a closed socket on its own time: the count is read until it is 0, which
    // it must reach (no sleep decides it; the test's timeout bounds it).
    while (Number((await numsub())[1]) !== 0) await new Promise((r) => setImmediate(r));
    expect(await t.client.publish(channel, "nobody")).toBe(0);
  });

  it("client.redis.subscribe (@upstash/redis' Subscriber) works on this transport too", async () => {
    const channel = t.key("upstash");
    const subscriber = t.client.redis.subscribe<string>([channel]);
    const received: unknown[] = [];
    // The Subscriber reports a refused stream as an "error" event, not as a rejection.
    const ready = new Promise<void>((resolve, reject) => {
      subscriber.on("subscribe", () => resolve());
      subscriber.on("error", reject);
    });
    const message = new Promise<void>((resolve) =>
      subscriber.on("message", (data) => {
        received.push(data);
        resolve();
      }),
    );
    await ready;
    expect(await t.client.redis.publish(channel, { hello: "world" })).toEqual(receivers(1));
    await message;
    expect(received).toEqual([{ channel, message: { hello: "world" } }]);
    await subscriber.unsubscribe();
  });

  it("refuses bad names and messages before sending anything", async () => {
    expect(() => t.client.subscribe("")).toThrow(ValidationError);
    expect(() => t.client.subscribe({ patterns: ["a\r\nb"] })).toThrow(/patterns\.0/);
    expect(() => t.client.subscribe(["ok", "\udc00"])).toThrow(/channels\.1/);
    await expect(t.client.publish(t.key("c"), "\ud800")).rejects.toThrow(ValidationError);
    await expect(t.client.publish("", "m")).rejects.toThrow(/channel/);
  });
});
