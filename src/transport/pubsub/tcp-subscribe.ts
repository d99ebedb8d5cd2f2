/**
 * Subscribing over TCP: a subscriber connection of its own (a connection in subscribe mode can run
 * nothing else), opened as a dedicated connection — connected explicitly, never reconnecting by
 * itself — so that a drop reaches the client, which resubscribes on a new one and tells the
 * caller. Through Sentinel it follows the master like the other connections (a failover drops it,
 * the next one asks the Sentinels); on a Cluster ioredis subscribes on one node, and SUBSCRIBE is
 * cluster-wide (every node forwards every PUBLISH).
 *
 * A subscriber connection carries nothing but what Redis pushes, so a hung server (its socket
 * open, nothing answered) would look like a quiet channel forever: with the config's
 * `healthCheckIntervalMs` the connection is PINGed (allowed in subscribe mode) and dropped when
 * the answer does not come within the command timeout, which the client handles as any drop.
 *
 * ioredis reads everything the server sends, so Redis' own limit on slow subscribers never
 * applies: events wait in a bounded queue instead, and a consumer that falls that far behind has
 * its connection dropped (as Redis would) and gets a `reconnected` event for the gap.
 */
import { ConnectionError, TimeoutError } from "../../core/errors.js";
import type { PortPubSubEvent, PubSubTargets } from "../../core/port.js";
import { closeNow, createConnection, type TcpConfig } from "../ioredis/connect.js";
import { toRedgeError } from "../ioredis/errors.js";
import type { SentinelFollower } from "../ioredis/sentinel.js";
import { EventQueue } from "./event-queue.js";

/** Events a subscriber may hold for a consumer that is behind, before its connection is dropped. */
export const MAX_BUFFERED_EVENTS = 10_000;

export interface TcpSubscribeOptions {
  config: TcpConfig;
  follower?: SentinelFollower | undefined;
  maxBuffered?: number;
}

export async function* tcpSubscribe(
  options: TcpSubscribeOptions,
  targets: PubSubTargets,
  signal: AbortSignal,
): AsyncGenerator<PortPubSubEvent, void, undefined> {
  if (signal.aborted) return;
  const maxBuffered = options.maxBuffered ?? MAX_BUFFERED_EVENTS;
  const connection = createConnection(options.config, {
    profile: { kind: "client", dedicated: true },
    follower: options.follower,
  });
  const queue = new EventQueue<PortPubSubEvent>(maxBuffered, () => {
    closeNow(connection);
    return new ConnectionError(
      `The subscriber fell ${maxBuffered} events behind: its connection was dropped`,
      { sent: true },
    );
  });
  const closed = () =>
    queue.fail(new ConnectionError("The subscriber connection to Redis closed", { sent: true }));
  const stop = () => queue.end();
  connection.on("error", () => {});
  connection.on("message", (channel: string, message: string) =>
    queue.push({ type: "message", channel, message }),
  );
  connection.on("pmessage", (pattern: string, channel: string, message: string) =>
    queue.push({ type: "pmessage", pattern, channel, message }),
  );
  connection.on("end", closed);
  connection.on("close", closed);
  signal.addEventListener("abort", stop, { once: true });
  let health: ReturnType<typeof setInterval> | undefined;
  try {
    try {
      await connection.connect();
      if (targets.channels.length > 0) await connection.subscribe(...targets.channels);
      if (targets.patterns.length > 0) await connection.psubscribe(...targets.patterns);
    } catch (error) {
      if (signal.aborted) return;
      throw toRedgeError(error, { command: "subscribe", mayHaveRun: false });
    }
    if (signal.aborted) return;
    health = startPing(options.config, connection, (error) => {
      closeNow(connection);
      queue.fail(error);
    });
    // One fresh connection, distinct names: Redis confirmed them in this order with these counts.
    // Messages already queued came after their confirmation on the wire, so they follow them.
    let count = 0;
    for (const name of targets.channels) {
      yield { type: "subscribed", kind: "channel", name, count: ++count };
    }
    for (const name of targets.patterns) {
      yield { type: "subscribed", kind: "pattern", name, count: ++count };
    }
    yield* queue;
  } finally {
    if (health !== undefined) clearInterval(health);
    signal.removeEventListener("abort", stop);
    connection.removeListener("end", closed);
    connection.removeListener("close", closed);
    closeNow(connection);
  }
}

/** PINGs a standalone or Sentinel subscriber every `healthCheckIntervalMs` (see the file's comment). */
function startPing(
  config: TcpConfig,
  connection: ReturnType<typeof createConnection>,
  fail: (error: Error) => void,
): ReturnType<typeof setInterval> | undefined {
  // A Cluster's PING goes to any node, not necessarily the one holding the subscription.
  if (config.healthCheckIntervalMs <= 0 || config.mode === "cluster") return undefined;
  const timeoutMs = Math.min(config.commandTimeoutMs, config.healthCheckIntervalMs);
  let waiting = false;
  return setInterval(() => {
    if (waiting) return;
    waiting = true;
    const timer = setTimeout(() => {
      fail(
        new TimeoutError(timeoutMs, {
          message: `Redis stopped answering the subscriber (no PING reply within ${timeoutMs} ms)`,
        }),
      );
    }, timeoutMs);
    connection.ping().then(
      () => {
        clearTimeout(timer);
        waiting = false;
      },
      () => clearTimeout(timer),
    );
  }, config.healthCheckIntervalMs);
}
