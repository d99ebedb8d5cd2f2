/**
 * Pub/sub on the client: the input schemas, the events a caller sees, and the subscription that
 * outlives a dropped stream. A transport opens one stream (`CommandPort.subscribe`); this file
 * opens the next one after a drop, with the client's backoff, and tells the caller.
 *
 * Redis pub/sub is at most once: a message published while no stream is open (between a drop and
 * the resubscription) reaches nobody and is not delivered later. The `reconnected` event marks
 * such a gap, so a caller that cannot miss anything knows to re-read its state.
 */
import * as z from "zod";
import { asyncDispose } from "./dispose.js";
import { AbortedError, isTransient, RedgeError } from "./errors.js";
import type { CommandPort, PortPubSubEvent, PubSubTargets } from "./port.js";
import { redact } from "./redact.js";
import { backoffDelay, type RetryPolicy, sleep } from "./retry.js";
import { isWellFormed, NOT_WELL_FORMED } from "./unicode.js";
import { abortSignalSchema, parseInput } from "./validation.js";

export type { PortPubSubEvent, PubSubTargets } from "./port.js";

/**
 * An event of `client.subscribe()`: the transport's events, plus `reconnected` once a dropped
 * stream has been replaced and every channel and pattern is subscribed again.
 */
export type PubSubEvent =
  | PortPubSubEvent
  | {
      type: "reconnected";
      /** Attempts it took (1: the first one after the drop succeeded). */
      attempts: number;
      /** Why the previous stream ended (credentials scrubbed). */
      error: string;
      /** How long no stream was subscribed: messages published then were lost. */
      downMs: number;
    };

/** The most channels plus patterns one subscription takes (each is a path segment over REST). */
export const MAX_SUBSCRIPTION_TARGETS = 256;

// Control characters (a newline above all) would split an event of the REST transport's
// line-based event stream, and make names unreadable in logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A channel name or a PSUBSCRIBE glob pattern. */
export const channelNameSchema = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .max(1024, "must be at most 1024 characters")
  .refine((s) => !CONTROL.test(s), "must not contain control characters")
  .refine(isWellFormed, NOT_WELL_FORMED);

const MAX = MAX_SUBSCRIPTION_TARGETS;
const targetListSchema = z.array(channelNameSchema).max(MAX, `must hold at most ${MAX} names`);

const targetsSchema = z
  .strictObject({ channels: targetListSchema.optional(), patterns: targetListSchema.optional() })
  .refine((t) => {
    const count = (t.channels?.length ?? 0) + (t.patterns?.length ?? 0);
    return count > 0 && count <= MAX;
  }, `must name 1 to ${MAX} channels and patterns in all`);

/** `"news"`, `["news", "sports"]` or `{ channels?: [...], patterns?: ["news.*"] }`. */
export type SubscribeTargets =
  | string
  | readonly string[]
  | { channels?: readonly string[]; patterns?: readonly string[] };

export interface SubscribeOptions {
  /** Ends the subscription (the iterator finishes without error). */
  signal?: AbortSignal;
  /**
   * After a dropped stream, open a new one with this backoff (default: the client's retry
   * policy). `retries` is how many attempts in a row may fail before the iterator throws the
   * last error; a stream that subscribed again resets the count. `false`: throw at the first drop.
   */
  reconnect?: boolean | Partial<RetryPolicy>;
}

const delaySchema = z.number().int().min(0).max(3_600_000);
const optionsSchema = z.strictObject({
  signal: abortSignalSchema.optional(),
  reconnect: z
    .union([
      z.boolean(),
      z
        .strictObject({
          retries: z.number().int().min(0).max(1_000),
          baseDelayMs: delaySchema,
          maxDelayMs: delaySchema,
          jitter: z.boolean(),
        })
        .partial(),
    ])
    .optional(),
});

/** Validates and normalizes what to subscribe to (duplicates dropped). @throws ValidationError */
export function parseTargets(input: unknown): PubSubTargets {
  const shaped =
    typeof input === "string"
      ? { channels: [input] }
      : Array.isArray(input)
        ? { channels: input }
        : input;
  const parsed = parseInput(targetsSchema, shaped, "targets");
  return {
    channels: [...new Set(parsed.channels ?? [])],
    patterns: [...new Set(parsed.patterns ?? [])],
  };
}

export interface SubscriptionSetup {
  port: CommandPort;
  targets: unknown;
  options: SubscribeOptions | undefined;
  retryPolicy: RetryPolicy;
  /** Called before each new stream after a drop (the client's `onRetry`). */
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
  /** Called once when the subscription has finished (closed, stopped or failed). */
  onEnd?: (() => void) | undefined;
}

/**
 * A live subscription: an async iterator of events (`for await (const event of subscription)`).
 * Leaving the loop (`break`, `return`, a throw), `close()`, or the caller's signal closes its
 * stream or connection. Nothing is opened before the first `next()`.
 */
export class Subscription implements AsyncIterableIterator<PubSubEvent> {
  readonly channels: readonly string[];
  readonly patterns: readonly string[];
  readonly #stop = new AbortController();
  readonly #events: AsyncGenerator<PubSubEvent, void, undefined>;
  readonly #dispose: () => void;

  /** @throws ValidationError for bad targets or options (nothing opened). */
  constructor(setup: SubscriptionSetup) {
    const targets = parseTargets(setup.targets);
    const options = parseInput(optionsSchema, setup.options ?? {}, "options");
    this.channels = targets.channels;
    this.patterns = targets.patterns;
    const outer = options.signal;
    const stop = () => this.#stop.abort(new AbortedError(outer?.reason));
    if (outer?.aborted) stop();
    else outer?.addEventListener("abort", stop, { once: true });
    let ended = false;
    this.#dispose = () => {
      outer?.removeEventListener("abort", stop);
      if (ended) return;
      ended = true;
      setup.onEnd?.();
    };
    const reconnect = options.reconnect ?? true;
    const policy: RetryPolicy | undefined =
      reconnect === false
        ? undefined
        : { ...setup.retryPolicy, ...(typeof reconnect === "object" ? reconnect : {}) };
    this.#events = events(setup.port, targets, policy, this.#stop.signal, setup.onRetry);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<PubSubEvent, undefined>> {
    try {
      const result = await this.#events.next();
      if (!result.done) return result;
      this.#dispose();
      return { done: true, value: undefined };
    } catch (error) {
      this.#dispose();
      throw error;
    }
  }

  /** Closes the stream (what `break` in a `for await` calls). */
  async return(): Promise<IteratorResult<PubSubEvent, undefined>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Closes the stream or connection; the iterator finishes. Safe to call twice. */
  async close(): Promise<void> {
    this.#stop.abort(new AbortedError("the subscription was closed"));
    this.#dispose();
    await this.#events.return(undefined);
  }

  /** `close()`, for `await using subscription = client.subscribe(...)`. */
  async [asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The subscription's events: one stream after the other until stopped or out of attempts. */
async function* events(
  port: CommandPort,
  targets: PubSubTargets,
  policy: RetryPolicy | undefined,
  signal: AbortSignal,
  onRetry: SubscriptionSetup["onRetry"],
): AsyncGenerator<PubSubEvent, void, undefined> {
  const subscribe = port.subscribe?.bind(port);
  if (!subscribe) {
    throw new RedgeError("config", `The ${port.kind} transport cannot subscribe`);
  }
  const expected = targets.channels.length + targets.patterns.length;
  // Consecutive failed attempts; a stream that subscribed to everything resets it.
  let failures = 0;
  let drop: { error: string; at: number } | undefined;
  while (!signal.aborted) {
    let confirmed = 0;
    try {
      for await (const event of subscribe(targets, signal)) {
        yield event;
        if (event.type !== "subscribed" || ++confirmed !== expected) continue;
        if (drop) {
          yield {
            type: "reconnected",
            attempts: failures,
            error: drop.error,
            downMs: Date.now() - drop.at,
          };
          drop = undefined;
        }
        failures = 0;
      }
      if (signal.aborted) return;
      throw new RedgeError("connection", "The server ended the subscription stream");
    } catch (error) {
      if (signal.aborted) return;
      const transient =
        isTransient(error) || (error instanceof RedgeError && error.code === "connection");
      if (!policy || !transient || failures >= policy.retries) throw error;
      drop ??= {
        error: redact(error instanceof Error ? error.message : String(error)),
        at: Date.now(),
      };
      const delayMs = backoffDelay(failures, policy);
      failures++;
      onRetry?.(error, failures, delayMs);
      try {
        await sleep(delayMs, signal);
      } catch {
        return;
      }
    }
  }
}
