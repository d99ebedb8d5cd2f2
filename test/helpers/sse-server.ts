/**
 * A small pub/sub server speaking the Upstash REST event-stream format, forwarding from a real
 * redis-server subscriber: `POST /subscribe/<channel>…` and `/psubscribe/<pattern>…` with the
 * bearer token answer `text/event-stream` with `data: subscribe,<channel>,<count>` and then
 * `data: message,<channel>,<message>` (`pmessage,<pattern>,<channel>,<message>`), each event
 * ended by a blank line, a message's lines as data lines of their own (the SSE standard), and
 * keep-alive comments.
 *
 * It stands in for the gateway's `/subscribe` in tests of the REST subscriber's own behaviour
 * (dropped streams, refusals, the gap), which need a server the test can drop and hold down.
 */
import { EventEmitter } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

export interface SseServer {
  readonly url: string;
  readonly token: string;
  /**
   * "attempt" (path) for every request, "refused" when down, "open" when a stream is subscribed,
   * "closed" when one ended.
   */
  readonly events: EventEmitter;
  /** Streams open now. */
  readonly open: number;
  /** Ends every open stream abruptly (destroys its socket). */
  dropAll(): void;
  /** While down, new subscriptions get 503. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

function sse(response: ServerResponse, data: string): void {
  response.write(
    `${data
      .split("\n")
      .map((line) => `data: ${line}`)
      .join("\n")}\n\n`,
  );
}

export async function startSseServer(redisUrl: string, token = "sse-token"): Promise<SseServer> {
  const events = new EventEmitter();
  const streams = new Set<{ response: ServerResponse; subscriber: Redis }>();
  let down = false;
  const server = createServer((request, response) => {
    const path = (request.url ?? "").split("/").filter(Boolean).map(decodeURIComponent);
    events.emit("attempt", path);
    const kind = path[0];
    if (request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "Unauthorized" }));
      return;
    }
    if (request.method !== "POST" || (kind !== "subscribe" && kind !== "psubscribe")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "ERR not found" }));
      return;
    }
    if (down) {
      events.emit("refused");
      response.writeHead(503, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "UNAVAILABLE Redis is down" }));
      return;
    }
    const names = path.slice(1);
    const subscriber = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    subscriber.on("error", () => {});
    const stream = { response, subscriber };
    streams.add(stream);
    const end = () => {
      streams.delete(stream);
      subscriber.disconnect();
      events.emit("closed", path);
    };
    response.on("close", end);
    subscriber.on("message", (channel: string, message: string) =>
      sse(response, `message,${channel},${message}`),
    );
    subscriber.on("pmessage", (pattern: string, channel: string, message: string) =>
      sse(response, `pmessage,${pattern},${channel},${message}`),
    );
    (async () => {
      await subscriber.connect();
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write(": connected\n\n");
      for (const [i, name] of names.entries()) {
        if (kind === "subscribe") await subscriber.subscribe(name);
        else await subscriber.psubscribe(name);
        sse(response, `${kind},${name},${i + 1}`);
      }
      events.emit("open", path);
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    events,
    get open() {
      return streams.size;
    },
    dropAll() {
      for (const { response } of streams) response.socket?.destroy();
    },
    setDown(value) {
      down = value;
    },
    async close() {
      for (const { response, subscriber } of streams) {
        response.socket?.destroy();
        subscriber.disconnect();
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
