/**
 * Subscribing over the Upstash REST protocol: `POST <url>/subscribe/<channel>[/<channel>…]` (and
 * `/psubscribe/<pattern>…`) with `Accept: text/event-stream` and the bearer token, read as a
 * stream through `fetch`, as `@upstash/redis`' Subscriber does. Works wherever fetch streams
 * response bodies: Workers, Vercel Edge, Deno, Bun, Node. Edge-safe.
 *
 * Names travel as path segments, percent-encoded (a channel may hold `/`, `?` or `#`).
 * Channels and patterns need one request each; their events are interleaved.
 */
import { CommandError, ConnectionError, RedgeError, TimeoutError } from "../../core/errors.js";
import type { PortPubSubEvent, PubSubTargets } from "../../core/port.js";
import { redact } from "../../core/redact.js";
import { merge } from "./merge.js";
import { decodeEvent, sseData } from "./sse.js";

export interface RestSubscribeOptions {
  url: string;
  token: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch | undefined;
}

/** One subscription's events over one or two event streams (see the file's comment). */
export function restSubscribe(
  options: RestSubscribeOptions,
  targets: PubSubTargets,
  signal: AbortSignal,
): AsyncIterable<PortPubSubEvent> {
  return {
    [Symbol.asyncIterator]() {
      // Aborted before the merged streams are returned: a stream's generator can only finish
      // once its pending read has ended, which the abort does.
      const inner = new AbortController();
      const stop = () => inner.abort(signal.reason);
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
      const streams: AsyncIterator<PortPubSubEvent>[] = [];
      if (targets.channels.length > 0) {
        streams.push(eventStream(options, "subscribe", targets.channels, targets, inner.signal));
      }
      if (targets.patterns.length > 0) {
        streams.push(eventStream(options, "psubscribe", targets.patterns, targets, inner.signal));
      }
      const events = merge(streams, () => inner.abort());
      const finish = async () => {
        signal.removeEventListener("abort", stop);
        inner.abort();
        await events.return(undefined);
      };
      return {
        async next() {
          try {
            const result = await events.next();
            if (result.done) await finish();
            return result;
          } catch (error) {
            await finish();
            throw error;
          }
        },
        async return() {
          await finish();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

async function* eventStream(
  options: RestSubscribeOptions,
  kind: "subscribe" | "psubscribe",
  names: readonly string[],
  targets: PubSubTargets,
  signal: AbortSignal,
): AsyncGenerator<PortPubSubEvent, void, undefined> {
  const base = options.url.replace(/\/+$/, "");
  const url = `${base}/${kind}/${names.map(encodeURIComponent).join("/")}`;
  const request = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await request(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: "text/event-stream",
        "cache-control": "no-cache",
      },
      signal,
    });
  } catch (error) {
    if (signal.aborted) return;
    throw networkError(error, false);
  }
  if (!response.ok) throw await statusError(response, kind);
  const type = response.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("text/event-stream") || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new RedgeError(
      "config",
      `The REST server answered /${kind} with ${type || "no content type"}, not an event stream: it does not serve pub/sub`,
    );
  }
  const reader = response.body.getReader();
  try {
    for await (const data of sseData(reader)) {
      const event = decodeEvent(data, targets);
      if (event) yield event;
    }
  } catch (error) {
    if (signal.aborted) return;
    throw networkError(error, true);
  } finally {
    reader.cancel().catch(() => {});
  }
  if (signal.aborted) return;
  throw new ConnectionError("The REST server closed the event stream", { sent: true });
}

/** A refused subscription request, typed like the REST transport's other failures. */
async function statusError(response: Response, kind: string): Promise<Error> {
  const status = response.status;
  let detail = "";
  try {
    const text = (await response.text()).slice(0, 2_000);
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === "string") detail = redact(body.error);
  } catch {
    // Not JSON: the status says enough.
  }
  const said = detail ? `: ${detail}` : "";
  if (status === 401 || status === 403) {
    return new RedgeError("config", `The REST server refused the token (HTTP ${status})${said}`);
  }
  if (status === 404) {
    return new RedgeError(
      "config",
      `The REST server has no /${kind} endpoint (HTTP 404): it does not serve pub/sub${said}`,
    );
  }
  if (status === 504) return new TimeoutError(0, { message: `The REST server timed out${said}` });
  if (status >= 500 || status === 429) {
    return new ConnectionError(`The REST server is unavailable (HTTP ${status})${said}`, {
      sent: false,
    });
  }
  return new CommandError(detail || `ERR the REST server answered HTTP ${status}`, {
    command: kind,
  });
}

function networkError(error: unknown, started: boolean): ConnectionError {
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const raw = typeof failure?.code === "string" ? failure.code : failure?.cause?.code;
  const code = typeof raw === "string" ? ` (${raw})` : "";
  const message = started
    ? `The event stream from the REST server broke${code}`
    : `Cannot reach the REST server${code}`;
  return new ConnectionError(message, { sent: started });
}
