/**
 * Subscribing over the Upstash REST protocol: `POST <url>/subscribe/<channel>[/<channel>…]` (and
 * `/psubscribe/<pattern>…`) with `Accept: text/event-stream` and the bearer token, read as a
 * stream through `fetch`, as `@upstash/redis`' Subscriber does. Works wherever fetch streams
 * response bodies: Workers, Vercel Edge, Deno, Bun, Node. Edge-safe.
 *
 * Names travel as path segments, percent-encoded (a channel may hold `/`, `?` or `#`).
 * Channels and patterns need one request each; their events are interleaved.
 */
import { CommandError, ConnectionError, RedgeError } from "../../core/errors.js";
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
    throw new RedgeError("config", `The REST server's /${kind} is not an event stream`);
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
    const body = JSON.parse((await response.text()).slice(0, 2_000)) as { error?: unknown };
    if (typeof body.error === "string") detail = redact(body.error);
  } catch {
    // Not JSON: the status says enough.
  }
  const said = `(HTTP ${status})${detail ? `: ${detail}` : ""}`;
  if (status === 401 || status === 403 || status === 404) {
    const why = status === 404 ? `has no /${kind} endpoint` : "refused the token";
    return new RedgeError("config", `The REST server ${why} ${said}`);
  }
  if (status >= 500 || status === 429) {
    // 503: Redis or the server is down for now; 504: it timed out. Both pass.
    return new ConnectionError(`The REST server is unavailable ${said}`, { sent: false });
  }
  return new CommandError(detail || `ERR the REST server answered ${said}`, { command: kind });
}

function networkError(error: unknown, started: boolean): ConnectionError {
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = failure?.code ?? failure?.cause?.code;
  const what = started ? "broke" : "could not be opened";
  const why = typeof code === "string" ? ` (${code})` : "";
  return new ConnectionError(`The event stream from the REST server ${what}${why}`, {
    sent: started,
  });
}
