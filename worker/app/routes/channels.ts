/**
 * Pub/sub over HTTP: `POST /channels/:name` publishes (a write: read-write tokens only) and
 * `GET /channels/:name/events` streams the channel's messages as server-sent events (reading:
 * read-only tokens may). Web standards only (a ReadableStream response), so the stream runs on
 * Workers, Vercel Edge and Node alike; behind it is `client.subscribe`, over REST an event stream
 * from the Upstash-compatible server, over TCP a subscriber connection.
 *
 * The stream answers only once Redis confirmed the subscription: a caller that has seen
 * `subscribed` knows that what is published from then on reaches it. Failing that (Redis down,
 * a server without pub/sub) the answer is the app's JSON error, not a stream.
 */
import { createRoute } from "@hono/zod-openapi";
import type { PubSubEvent, RedgeClient, Subscription } from "../../../src/index.js";
import { writeAccess } from "../auth.js";
import type { App } from "../env.js";
import { toApiError, unavailable } from "../errors.js";
import {
  channelParamsSchema,
  eventStreamSchema,
  publishMessageBodySchema,
  receiversSchema,
} from "../schemas/channels.js";
import { bearerSecurity, errorResponses, json, jsonBody } from "../schemas/common.js";

const tags = ["channels"];
const security = bearerSecurity;

/** A comment line this often keeps proxies and platforms from closing an idle stream. */
export const KEEP_ALIVE_MS = 15_000;

const publish = createRoute({
  method: "post",
  path: "/channels/{name}",
  tags,
  security,
  middleware: writeAccess,
  summary: "Publish a message (PUBLISH)",
  request: { params: channelParamsSchema, body: jsonBody(publishMessageBodySchema) },
  responses: { 200: json(receiversSchema, "Subscribers that received it"), ...errorResponses },
});

const events = createRoute({
  method: "get",
  path: "/channels/{name}/events",
  tags,
  security,
  summary: "Stream the channel's messages (server-sent events)",
  request: { params: channelParamsSchema },
  responses: {
    200: {
      description: "The event stream, once subscribed",
      content: { "text/event-stream": { schema: eventStreamSchema } },
    },
    ...errorResponses,
  },
});

/** One server-sent event; every line of `data` becomes a `data:` line of its own. */
function sseEvent(type: string, data: string): string {
  return `event: ${type}\n${data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join("\n")}\n\n`;
}

function eventText(name: string, event: PubSubEvent): string | undefined {
  switch (event.type) {
    case "subscribed":
      return sseEvent("subscribed", JSON.stringify({ channel: name }));
    case "message":
      return sseEvent("message", event.message);
    case "reconnected":
      return sseEvent("reconnected", JSON.stringify({ downMs: event.downMs }));
    default:
      return undefined;
  }
}

function eventStream(
  name: string,
  subscription: Subscription,
  first: PubSubEvent,
  done: () => void,
): Response {
  const encoder = new TextEncoder();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const stop = () => {
    if (keepAlive !== undefined) clearInterval(keepAlive);
    keepAlive = undefined;
    if (stopped) return;
    stopped = true;
    done();
    void subscription.close();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(eventText(name, first) ?? ""));
      keepAlive = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
        } catch {
          stop();
        }
      }, KEEP_ALIVE_MS);
    },
    // Pulled as the caller reads: a slow reader holds the subscription's events back (TCP: in
    // its bounded queue; REST: in the upstream stream) instead of the app buffering them.
    async pull(controller) {
      try {
        for (;;) {
          const next = await subscription.next();
          if (next.done) {
            stop();
            controller.close();
            return;
          }
          const text = eventText(name, next.value);
          if (text !== undefined) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      } catch (error) {
        const answer = toApiError(error);
        controller.enqueue(
          encoder.encode(
            sseEvent("error", JSON.stringify({ code: answer.code, message: answer.message })),
          ),
        );
        stop();
        controller.close();
      }
    },
    cancel: stop,
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
    },
  });
}

/** Subscribes and waits for Redis' confirmation; a failure before it is the app's JSON error. */
async function subscribeConfirmed(
  client: RedgeClient,
  channel: string,
  signal: AbortSignal,
): Promise<{ subscription: Subscription; first: PubSubEvent }> {
  const subscription = client.subscribe(channel, { signal });
  try {
    for (;;) {
      const next = await subscription.next();
      if (next.done) throw new Error("the subscription ended before it was confirmed");
      if (next.value.type === "subscribed") return { subscription, first: next.value };
    }
  } catch (error) {
    await subscription.close();
    throw error;
  }
}

export function channelRoutes(app: App, maxEventStreams: number): void {
  let open = 0;

  app.openapi(publish, async (c) => {
    const { name } = c.req.valid("param");
    const { message } = c.req.valid("json");
    const text = typeof message === "string" ? message : JSON.stringify(message);
    const receivers = await c.get("redge").publish(c.get("redge").key(name), text);
    return c.json({ receivers }, 200);
  });

  app.openapi(events, async (c) => {
    const { name } = c.req.valid("param");
    const client = c.get("redge");
    if (open >= maxEventStreams) throw unavailable("Too many event streams are open");
    open++;
    let started = false;
    try {
      const { subscription, first } = await subscribeConfirmed(
        client,
        client.key(name),
        c.req.raw.signal,
      );
      started = true;
      // The OpenAPI types know JSON answers only; this one is a stream.
      return eventStream(name, subscription, first, () => open--) as never;
    } finally {
      if (!started) open--;
    }
  });
}
