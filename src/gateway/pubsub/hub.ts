/**
 * Fan-out of Redis pub/sub to many SSE clients over one subscriber connection.
 *
 * The gateway holds one subscription per channel (or pattern) however many clients listen to
 * it: the first client's arrival sends SUBSCRIBE, the last one's departure sends UNSUBSCRIBE,
 * and each message Redis pushes is framed once and handed to every listener. Commands on the
 * connection run in the order they are sent, so a departure's UNSUBSCRIBE followed by a new
 * arrival's SUBSCRIBE ends subscribed. A listener is added once Redis has confirmed the
 * subscription, and a topic is not dropped while an arrival is still waiting for that.
 */
import { redact } from "../../core/redact.js";
import { sseEvent } from "./frame.js";

export type TopicKind = "channel" | "pattern";

/** The subscriber connection, as ioredis (Redis or Cluster) offers it. */
export interface SubscriberConnection {
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  psubscribe(...patterns: string[]): Promise<unknown>;
  punsubscribe(...patterns: string[]): Promise<unknown>;
  on(event: "messageBuffer", listener: (channel: Buffer, message: Buffer) => void): unknown;
  on(
    event: "pmessageBuffer",
    listener: (pattern: Buffer, channel: Buffer, message: Buffer) => void,
  ): unknown;
}

/** Receives framed SSE events. */
export interface TopicListener {
  deliver(event: Buffer): void;
}

export interface PubSubHub {
  /** Resolves once Redis confirmed the subscription; rejects (nothing held) when it failed. */
  join(kind: TopicKind, name: string, listener: TopicListener): Promise<void>;
  leave(kind: TopicKind, name: string, listener: TopicListener): void;
  /** Listeners of a topic (tests, benchmarks). */
  listeners(kind: TopicKind, name: string): number;
}

interface Topic {
  readonly listeners: Set<TopicListener>;
  /** Arrivals waiting for `ready`. */
  waiting: number;
  readonly ready: Promise<void>;
}

const keyOf = (kind: TopicKind, name: string) => `${kind === "channel" ? "c" : "p"}:${name}`;

export function createPubSubHub(
  open: () => SubscriberConnection,
  log?: (line: string) => void,
): PubSubHub {
  const topics = new Map<string, Topic>();
  let connection: SubscriberConnection | undefined;

  const fanOut = (key: string, parts: readonly (string | Buffer)[]) => {
    const topic = topics.get(key);
    if (!topic || topic.listeners.size === 0) return;
    const event = sseEvent(parts);
    for (const listener of topic.listeners) listener.deliver(event);
  };

  const subscriber = () => {
    if (connection) return connection;
    connection = open();
    connection.on("messageBuffer", (channel, message) =>
      fanOut(keyOf("channel", channel.toString()), ["message", channel, message]),
    );
    connection.on("pmessageBuffer", (pattern, channel, message) =>
      fanOut(keyOf("pattern", pattern.toString()), ["pmessage", pattern, channel, message]),
    );
    return connection;
  };

  const send = (kind: TopicKind, name: string, on: boolean): Promise<unknown> => {
    const redis = subscriber();
    if (kind === "channel") return on ? redis.subscribe(name) : redis.unsubscribe(name);
    return on ? redis.psubscribe(name) : redis.punsubscribe(name);
  };

  return {
    async join(kind, name, listener) {
      const key = keyOf(kind, name);
      let topic = topics.get(key);
      if (!topic) {
        const ready = send(kind, name, true).then(() => undefined);
        topic = { listeners: new Set(), waiting: 0, ready };
        topics.set(key, topic);
        ready.catch(() => {
          if (topics.get(key) === topic) topics.delete(key);
        });
      }
      topic.waiting++;
      try {
        await topic.ready;
      } finally {
        topic.waiting--;
      }
      topic.listeners.add(listener);
    },

    leave(kind, name, listener) {
      const key = keyOf(kind, name);
      const topic = topics.get(key);
      if (!topic?.listeners.delete(listener)) return;
      if (topic.listeners.size > 0 || topic.waiting > 0) return;
      topics.delete(key);
      send(kind, name, false).catch((error: unknown) => {
        // The connection is down: ioredis subscribes again after reconnecting, and the messages
        // of a topic nobody listens to are dropped by fanOut. Harmless, but worth a line.
        const reason = error instanceof Error ? error.message : String(error);
        log?.(`redge gateway: could not unsubscribe from a ${kind}: ${redact(reason)}`);
      });
    },

    listeners(kind, name) {
      return topics.get(keyOf(kind, name))?.listeners.size ?? 0;
    },
  };
}
