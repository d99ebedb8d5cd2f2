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
} from "../errors.js";
import type {
  CommandOutcome,
  CommandPort,
  PortCallOptions,
  RedisCommand,
  RedisReply,
} from "../port.js";
import { redact } from "../security/redact.js";

export interface RestPortOptions {
  url: string;
  token: string;
  /** Ask the server for read-your-writes consistency (Upstash `upstash-sync-token`). Default true. */
  readYourWrites?: boolean;
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

export class RestPort implements CommandPort {
  readonly kind = "rest" as const;
  readonly #requester: Requester;
  #closed = false;

  constructor(options: RestPortOptions) {
    const redis = new UpstashRequester({
      url: options.url,
      token: options.token,
      automaticDeserialization: false,
      // The client retries with its own policy (transient faults only, idempotency-aware).
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
    this.#requester = redis.requester;
  }

  async command(command: RedisCommand, options?: PortCallOptions): Promise<RedisReply> {
    const response = (await this.#request(undefined, command, options)) as UpstashResult;
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
    this.#closed = true;
  }

  async #request(
    path: string[] | undefined,
    body: unknown,
    options: PortCallOptions | undefined,
  ): Promise<unknown> {
    if (this.#closed) throw new ConnectionError("The REST client is closed", { sent: false });
    const signal = options?.signal;
    try {
      return await this.#requester.request({
        ...(path ? { path } : {}),
        body,
        // A *function* makes @upstash/redis rethrow on abort; given a plain signal it would turn
        // the abort into a fake `{ result: "Aborted" }` reply instead.
        ...(signal ? { signal: (() => signal) as unknown as AbortSignal } : {}),
      });
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

/** Messages the redge gateway uses for faults between it and Redis (see src/gateway/failures.ts). */
const GATEWAY_UNAVAILABLE = /^UNAVAILABLE\b/;
const GATEWAY_TIMEOUT = /^TIMEOUT\b/;
const GATEWAY_CONNECTION_LOST = /^CONNLOST\b/;

function toRedgeError(error: unknown, signal: AbortSignal | undefined, command?: string): Error {
  if (error instanceof RedgeError) return error;
  if (signal?.aborted) {
    return signal.reason instanceof RedgeError ? signal.reason : new AbortedError(signal.reason);
  }
  if (error instanceof Error && error.name === "UpstashError") {
    const message = redact(error.message.replace(COMMAND_WAS, ""));
    if (GATEWAY_UNAVAILABLE.test(message)) {
      return new ConnectionError(message, { sent: false });
    }
    if (GATEWAY_TIMEOUT.test(message)) return new TimeoutError(0, { message });
    if (GATEWAY_CONNECTION_LOST.test(message)) return new ConnectionError(message, { sent: true });
    return new CommandError(message, command === undefined ? undefined : { command });
  }
  if (error instanceof Error && error.name === "UpstashJSONParseError") {
    return new ConnectionError("The REST server sent a reply that is not JSON", { sent: true });
  }
  // fetch() failures: a TypeError whose cause carries the socket error code.
  const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  const notSent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
  const description = code ? `connection failed (${code})` : "the request failed";
  return new ConnectionError(`Cannot reach the REST server: ${description}`, { sent: !notSent });
}
