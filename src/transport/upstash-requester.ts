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
 *   (`subscribe,<channel>,<count>`, `message,<channel>,<message>`, …) from `client.subscribe`,
 *   until the request's signal fires.
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
 * Feeds `onMessage` the event stream's data lines, in the background, as the REST API's stream
 * would; resolves at once with `{ result: 1 }`, as @upstash/redis' HTTP client does.
 */
async function subscribe(
  client: CoreClient,
  route: "subscribe" | "psubscribe",
  names: string[],
  req: UpstashRequest,
): Promise<UpstashResponse<number>> {
  const onMessage = req.onMessage;
  const subscription = client.subscribe(
    route === "subscribe" ? { channels: names } : { patterns: names },
    req.signal ? { signal: req.signal } : {},
  );
  (async () => {
    for await (const event of subscription) {
      if (event.type === "subscribed") onMessage?.(`${route},${event.name},${event.count}`);
      else if (event.type === "message") onMessage?.(`message,${event.channel},${event.message}`);
      else if (event.type === "pmessage") {
        onMessage?.(`pmessage,${event.pattern},${event.channel},${event.message}`);
      }
    }
  })().catch(() => {
    // As @upstash/redis' reader does with a broken stream: the subscriber stops hearing.
  });
  return { result: 1 };
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
