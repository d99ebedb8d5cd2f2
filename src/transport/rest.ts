/**
 * REST transport: the Upstash REST protocol over fetch, through @upstash/redis' own HTTP client
 * (automatic deserialization off, so replies come back exactly as Redis gives them).
 *
 * Edge-safe: imports only the fetch-based build of @upstash/redis.
 */
import { Redis, type Requester } from "@upstash/redis/cloudflare";
import {
  AbortedError,
  CommandError,
  ConnectionError,
  RedgeError,
  TimeoutError,
} from "../core/errors.js";
import type {
  CommandOutcome,
  CommandPort,
  PortCallOptions,
  PortPubSubEvent,
  PubSubTargets,
  RedisCommand,
  RedisReply,
} from "../core/port.js";
import { redact } from "../core/redact.js";
import { restSubscribe } from "./pubsub/rest-subscribe.js";
import { type BatchEntry, createRestBatcher } from "./rest-batcher.js";
import { wireFault } from "./wire-errors.js";

export interface RestPortOptions {
  url: string;
  token: string;
  /** Ask the server for read-your-writes consistency (Upstash `upstash-sync-token`). Default true. */
  readYourWrites?: boolean;
  /**
   * The HTTP layer. Default: `@upstash/redis`' own client over fetch. `createNodeClient` passes a
   * `node:http` one (src/transport/node-requester.ts), which costs far less CPU per request on Node.
   */
  requester?: RestRequester;
  /**
   * Send the single commands issued together as one `/pipeline` request (see rest-batcher.ts).
   * Default true.
   */
  autoPipelining?: boolean;
}

/** One Upstash REST request: `POST <url>[/<path>]` with `body` as JSON. */
export interface RestRequest {
  path?: string[] | undefined;
  body: unknown;
  signal?: AbortSignal | undefined;
}

/**
 * Sends Upstash REST requests. Resolves with the parsed JSON reply of a 2xx answer; rejects with a
 * RestServerError for any other answer (its message is the reply's `error`), or with the network
 * error (carrying its `code`, e.g. ECONNREFUSED) when no answer came.
 */
export interface RestRequester {
  request(req: RestRequest): Promise<unknown>;
  close?(): void;
}

/** The REST server answered with an error status (or with something that is not JSON). */
export class RestServerError extends Error {
  override readonly name = "RestServerError";
  /** False when the reply was not JSON at all. */
  readonly json: boolean;
  constructor(message: string, options: { json?: boolean } = {}) {
    super(message);
    this.json = options.json ?? true;
  }
}

/** Gives access to the configured HTTP requester, which @upstash/redis keeps protected. */
class UpstashRequester extends Redis {
  get requester(): Requester {
    return this.client;
  }
}

interface UpstashResult {
  result?: unknown;
  error?: string;
}

/**
 * The `@upstash/redis` client of a REST port: its HTTP layer carries the port's commands (which
 * never deserialize: the port hands on the requester's raw `{ result }`), and `client.redis`
 * is this client itself, with the library's own deserialization default for typed commands.
 */
function upstashClient(options: RestPortOptions): UpstashRequester {
  return new UpstashRequester({
    url: options.url,
    token: options.token,
    // The client retries with its own policy (transient faults only, idempotency-aware); typed
    // commands through `client.redis` are not retried either (see docs/client.md).
    retry: false,
    enableTelemetry: false,
    enableAutoPipelining: false,
    readYourWrites: options.readYourWrites ?? true,
    // Replies become JS strings either way (the client would UTF-8-decode the base64), so base64
    // buys no binary safety here and costs an encode per string on the server and a decode
    // here. Without it the gateway sends UTF-8 text (invalid bytes become U+FFFD, as they would
    // after decoding).
    responseEncoding: false,
  });
}

/** `@upstash/redis`' fetch-based HTTP client as a RestRequester (the edge default). */
function upstashRequester(requester: Requester): RestRequester {
  return {
    request: ({ path, body, signal }) =>
      requester.request({
        ...(path ? { path } : {}),
        body,
        // A *function* makes @upstash/redis rethrow on abort; given a plain signal it would turn
        // the abort into a fake `{ result: "Aborted" }` reply instead.
        ...(signal ? { signal: (() => signal) as unknown as AbortSignal } : {}),
      }),
  };
}

export class RestPort implements CommandPort {
  readonly kind = "rest" as const;
  readonly #requester: RestRequester;
  readonly #url: string;
  readonly #token: string;
  /** The `@upstash/redis` client whose HTTP layer this port sends through (default requester). */
  readonly #upstash: Redis | undefined;
  readonly #enqueue: ((entry: BatchEntry) => void) | undefined;
  #closed = false;

  constructor(options: RestPortOptions) {
    this.#url = options.url;
    this.#token = options.token;
    this.#enqueue =
      options.autoPipelining === false
        ? undefined
        : createRestBatcher({
            single: (entry) => {
              this.#request(undefined, entry.command, { signal: entry.signal }).then(
                (response) => entry.resolve(response as UpstashResult),
                entry.reject,
              );
            },
            pipeline: (commands, signal) =>
              this.#closed
                ? Promise.reject(new ConnectionError("The REST client is closed", { sent: false }))
                : this.#requester.request({ path: ["pipeline"], body: commands, signal }),
            mapError: (error, signal, command) => toRedgeError(error, signal, command),
          });
    if (options.requester) {
      this.#requester = options.requester;
    } else {
      const upstash = upstashClient(options);
      this.#upstash = upstash;
      this.#requester = upstashRequester(upstash.requester);
    }
  }

  /**
   * The `@upstash/redis` client sharing this port's HTTP layer (URL, token, read-your-writes
   * token), with the library's defaults for its typed commands (automatic deserialization on);
   * `undefined` when the port was given a requester of its own (Node: see src/node.ts).
   */
  get upstash(): Redis | undefined {
    return this.#upstash;
  }

  /** Server-sent events from `POST /subscribe/...` and `/psubscribe/...`, over fetch. */
  subscribe(targets: PubSubTargets, signal: AbortSignal): AsyncIterable<PortPubSubEvent> {
    if (this.#closed) throw new ConnectionError("The REST client is closed", { sent: false });
    return restSubscribe({ url: this.#url, token: this.#token }, targets, signal);
  }

  async command(command: RedisCommand, options?: PortCallOptions): Promise<RedisReply> {
    if (this.#closed) throw new ConnectionError("The REST client is closed", { sent: false });
    const response = this.#enqueue
      ? await new Promise<UpstashResult>((resolve, reject) => {
          this.#enqueue!({ command, signal: options?.signal, resolve, reject });
        })
      : ((await this.#request(undefined, command, options)) as UpstashResult);
    if (response.error !== undefined) throw commandError(response.error, command[0]);
    return response.result as RedisReply;
  }

  async pipeline(
    commands: readonly RedisCommand[],
    options?: PortCallOptions,
  ): Promise<CommandOutcome[]> {
    return toOutcomes(await this.#request(["pipeline"], commands, options), commands);
  }

  async transaction(
    commands: readonly RedisCommand[],
    options?: PortCallOptions,
  ): Promise<CommandOutcome[]> {
    return toOutcomes(await this.#request(["multi-exec"], commands, options), commands);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#requester.close?.();
  }

  async #request(
    path: string[] | undefined,
    body: unknown,
    options: PortCallOptions | undefined,
  ): Promise<unknown> {
    if (this.#closed) throw new ConnectionError("The REST client is closed", { sent: false });
    const signal = options?.signal;
    try {
      return await this.#requester.request({ path, body, signal });
    } catch (error) {
      throw toRedgeError(
        error,
        signal,
        Array.isArray(body) && typeof body[0] === "string" ? body[0] : undefined,
      );
    }
  }
}

function toOutcomes(response: unknown, commands: readonly RedisCommand[]): CommandOutcome[] {
  if (!Array.isArray(response) || response.length !== commands.length) {
    throw new RedgeError("connection", "The REST server sent a malformed pipeline reply");
  }
  return (response as UpstashResult[]).map((entry, i) =>
    entry.error !== undefined
      ? { ok: false, error: commandError(entry.error, commands[i]?.[0]) }
      : { ok: true, result: entry.result as RedisReply },
  );
}

function commandError(message: string, command: string | undefined): CommandError {
  return new CommandError(redact(message), command === undefined ? undefined : { command });
}

/**
 * @upstash/redis reports an HTTP error as `UpstashError("<error>, command was: <body>")`: the body
 * can hold values and secrets, so everything after the server's own message is dropped.
 */
const COMMAND_WAS = /, command was: [\s\S]*$/;

function toRedgeError(error: unknown, signal: AbortSignal | undefined, command?: string): Error {
  if (error instanceof RedgeError) return error;
  if (signal?.aborted) {
    return signal.reason instanceof RedgeError ? signal.reason : new AbortedError(signal.reason);
  }
  if (error instanceof RestServerError && !error.json) {
    return new ConnectionError("The REST server sent a reply that is not JSON", { sent: true });
  }
  if (
    error instanceof RestServerError ||
    (error instanceof Error && error.name === "UpstashError")
  ) {
    const message = redact(error.message.replace(COMMAND_WAS, ""));
    // The words the redge gateway leads its own fault messages with (see wire-errors.ts).
    switch (wireFault(message)) {
      case "UNAVAILABLE":
        return new ConnectionError(message, { sent: false });
      case "TIMEOUT":
        return new TimeoutError(0, { message });
      case "CONNLOST":
        return new ConnectionError(message, { sent: true });
    }
    return new CommandError(message, command === undefined ? undefined : { command });
  }
  if (error instanceof Error && error.name === "UpstashJSONParseError") {
    return new ConnectionError("The REST server sent a reply that is not JSON", { sent: true });
  }
  // Network failures: node:http errors carry the socket error code, fetch() errors in their cause.
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const raw = typeof failure?.code === "string" ? failure.code : failure?.cause?.code;
  const code = typeof raw === "string" ? raw : undefined;
  const notSent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
  const description = code ? `connection failed (${code})` : "the request failed";
  return new ConnectionError(`Cannot reach the REST server: ${description}`, { sent: !notSent });
}
