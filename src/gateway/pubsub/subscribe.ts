/**
 * `POST /subscribe/<channel>[/<channel>…]` and `POST /psubscribe/<pattern>[/…]` with
 * `Accept: text/event-stream`: a Server-Sent Events stream, as Upstash serves it and
 * `redis.subscribe()` / `redis.psubscribe()` of the official client read it —
 * `data: subscribe,<channel>,<count>` once per channel (count: how many this stream has, as on a
 * Redis connection of its own), then `data: message,<channel>,<message>` (`pmessage,<pattern>,
 * <channel>,<message>`), with `: keep-alive` comments in between. GET works the same, for
 * browsers' EventSource.
 *
 * Every stream shares the gateway's one subscriber connection (hub.ts); the stream's memory is
 * bounded (clients.ts). When the client goes away its topics are left, and the last listener's
 * departure unsubscribes from Redis. Read-only tokens may subscribe: listening writes nothing.
 */
import type { SseClients } from "./clients.js";
import { sseEvent } from "./frame.js";
import type { PubSubHub, TopicKind, TopicListener } from "./hub.js";

/** Channels or patterns one stream may ask for. */
export const MAX_TOPICS_PER_STREAM = 100;

export const SSE_ROUTES: Readonly<Record<string, TopicKind>> = {
  subscribe: "channel",
  psubscribe: "pattern",
};

export type SubscribeOutcome =
  | { ok: true; stream: ReadableStream<Uint8Array>; headers: Record<string, string> }
  | { ok: false; status: 400 | 503; message: string }
  | { ok: false; error: unknown };

/** Whether the request asks for an event stream (the official client sends exactly this). */
export function wantsEventStream(accept: string | undefined): boolean {
  return accept?.toLowerCase().includes("text/event-stream") ?? false;
}

function checkNames(kind: TopicKind, names: readonly string[]): string | undefined {
  const what = kind === "channel" ? "channel" : "pattern";
  if (names.length === 0)
    return `ERR name at least one ${what}: /${kind === "channel" ? "subscribe" : "psubscribe"}/<${what}>`;
  if (names.length > MAX_TOPICS_PER_STREAM) {
    return `ERR a stream may subscribe to at most ${MAX_TOPICS_PER_STREAM} ${what}s`;
  }
  for (const [i, name] of names.entries()) {
    if (name === "") return `ERR ${what} ${i + 1} is empty`;
    // An SSE line cannot hold a line break; such a name could not be told back to the client.
    if (/[\r\n]/.test(name)) return `ERR ${what} ${i + 1} holds a line break`;
  }
  return undefined;
}

export async function subscribe(
  kind: TopicKind,
  names: readonly string[],
  deps: { hub: PubSubHub; clients: SseClients },
): Promise<SubscribeOutcome> {
  const invalid = checkNames(kind, names);
  if (invalid) return { ok: false, status: 400, message: invalid };
  const distinct = [...new Set(names)];
  const client = deps.clients.open();
  const listener: TopicListener = { deliver: (event) => client.send(event) };
  const joined: string[] = [];
  const leaveAll = () => {
    for (const name of joined.splice(0)) deps.hub.leave(kind, name, listener);
  };
  const verb = kind === "channel" ? "subscribe" : "psubscribe";
  try {
    for (const name of distinct) {
      await deps.hub.join(kind, name, listener);
      joined.push(name);
      // Sent before any message of this topic can arrive: no socket event runs in between.
      client.send(sseEvent([verb, name, String(joined.length)]));
    }
  } catch (error) {
    leaveAll();
    client.end();
    return { ok: false, error };
  }
  // Ended meanwhile (the gateway is closing): nothing to serve.
  if (client.closed) {
    leaveAll();
    return { ok: false, status: 503, message: "UNAVAILABLE the gateway is shutting down" };
  }
  client.onClose(leaveAll);
  return {
    ok: true,
    stream: client.stream,
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      // Proxies such as nginx would otherwise hold events back to fill a buffer.
      "x-accel-buffering": "no",
    },
  };
}
