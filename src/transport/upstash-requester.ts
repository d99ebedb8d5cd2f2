/**
 * `@upstash/redis`' `Requester` on top of a redge client, so `client.redis` (the library's typed
 * commands) runs on every transport: the TCP one above all, where no REST server answers.
 *
 * It answers exactly as the REST API does, as `@upstash/redis`' own HTTP client hands it on:
 * - path `[]`: one command → `{ result }`; a Redis error reply throws `UpstashError("<error>,
 *   command was: <body>")`, which is what the HTTP client throws for the REST API's 400;
 * - `["pipeline"]` / `["multi-exec"]`: `[{ result } | { error }, …]` (a transaction Redis refused
 *   while queuing throws, as the REST API's 400 does);
 * - `["subscribe", …]` / `["psubscribe", …]` with `onMessage`: the event stream's data lines
 *   (`subscribe,<channel>,<count>`, `message,<channel>,<message>`, …) from `client.subscribe`
 *   (so it reconnects like any redge subscription), until the request's signal fires.
 * Arguments are converted as the REST API converts them (booleans become "true" / "false"), and
 * replies are plain text, so base64 (`Upstash-Encoding`) never applies. Calls are not retried, as
 * the REST path's HTTP client is told not to (`retry: false`); they get the client's deadline.
 *
 * Edge-safe: the error class comes from the fetch build of @upstash/redis.
 */
import {
  errors,
  type Requester,
  type UpstashRequest,
  type UpstashResponse,
} from "@upstash/redis/cloudflare";
import type { CoreClient } from "../core/client.js";
import { CommandError, ValidationError } from "../core/errors.js";
import type { CommandOutcome, RedisArg, RedisCommand } from "../core/port.js";
import type { PubSubEvent } from "../core/pubsub.js";

const NO_RETRY = { retry: false } as const;

export function clientRequester(client: CoreClient): Requester {
  return {
    request: <TResult>(req: UpstashRequest) =>
      handle(client, req) as Promise<UpstashResponse<TResult>>,
  };
}

async function handle(client: CoreClient, req: UpstashRequest): Promise<unknown> {
  const [route, ...rest] = req.path ?? [];
  switch (route) {
    case undefined:
    case "":
      return single(client, req.body);
    case "pipeline":
    case "multi-exec":
      return batch(client, route, req.body);
    case "subscribe":
    case "psubscribe":
      return subscribe(client, route, rest, req);
    default:
      throw upstashError("ERR not found", req.body);
  }
}

async function single(client: CoreClient, body: unknown): Promise<UpstashResponse<unknown>> {
  try {
    return { result: await client.command(toCommand(body), NO_RETRY) };
  } catch (error) {
    throw refusal(error, body);
  }
}

async function batch(
  client: CoreClient,
  route: "pipeline" | "multi-exec",
  body: unknown,
): Promise<UpstashResponse<unknown>[]> {
  let outcomes: CommandOutcome[];
  try {
    if (!Array.isArray(body) || body.length === 0) {
      throw new ValidationError([
        { path: "body", message: "must be a non-empty list of commands" },
      ]);
    }
    const commands = body.map(toCommand);
    outcomes =
      route === "pipeline"
        ? await client.pipeline(commands, NO_RETRY)
        : await client.transaction(commands, NO_RETRY);
  } catch (error) {
    throw refusal(error, body);
  }
  return outcomes.map((o) => (o.ok ? { result: o.result } : { error: o.error.message }));
}

/**
 * Feeds `onMessage` the event stream's data lines, as the REST API's stream would. Resolves with
 * `{ result: 1 }` once the first event arrived, as @upstash/redis' HTTP client does once the
 * stream's answer came, and rejects when the subscription could not start (its Subscriber
 * reports that as an "error" event); later events are delivered in the background.
 */
async function subscribe(
  client: CoreClient,
  route: "subscribe" | "psubscribe",
  names: string[],
  req: UpstashRequest,
): Promise<UpstashResponse<number>> {
  const deliver = (event: PubSubEvent) => {
    const line = dataLine(route, event);
    if (line !== undefined) req.onMessage?.(line);
  };
  const subscription = client.subscribe(
    route === "subscribe" ? { channels: names } : { patterns: names },
    req.signal ? { signal: req.signal } : {},
  );
  const first = await subscription.next();
  if (first.done) return { result: 1 };
  deliver(first.value);
  (async () => {
    for await (const event of subscription) deliver(event);
  })().catch(() => {
    // As @upstash/redis' reader does with a broken stream: the subscriber stops hearing.
  });
  return { result: 1 };
}

/** The event stream's data line for `event` (`reconnected` has none in the REST format). */
function dataLine(route: string, event: PubSubEvent): string | undefined {
  switch (event.type) {
    case "subscribed":
      return `${route},${event.name},${event.count}`;
    case "message":
      return `message,${event.channel},${event.message}`;
    case "pmessage":
      return `pmessage,${event.pattern},${event.channel},${event.message}`;
    default:
      return undefined;
  }
}

/** A command of the REST body: strings and numbers as they are, booleans as the API spells them. */
function toCommand(value: unknown): RedisCommand {
  if (!Array.isArray(value)) {
    throw new ValidationError([{ path: "command", message: "must be a JSON array" }]);
  }
  return value.map((arg: unknown, i): RedisArg => {
    if (typeof arg === "boolean") return arg ? "true" : "false";
    if (typeof arg === "string" || typeof arg === "number") return arg;
    throw new ValidationError([
      { path: `command.${i}`, message: "must be a string, a number or a boolean" },
    ]);
  }) as unknown as RedisCommand;
}

/** What @upstash/redis' HTTP client throws for the REST API's refusals; faults stay typed. */
function refusal(error: unknown, body: unknown): unknown {
  if (error instanceof CommandError) return upstashError(error.message, body);
  if (error instanceof ValidationError) return upstashError(`ERR ${error.message}`, body);
  return error;
}

function upstashError(message: string, body: unknown): Error {
  return new errors.UpstashError(`${message}, command was: ${JSON.stringify(body)}`);
}
