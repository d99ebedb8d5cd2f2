/**
 * `withRetry`: the seed's retry decorator (ha_redis), for any async function. The same policy the
 * client applies to its own calls — capped exponential backoff with jitter, on transient faults
 * only — around a function of yours, e.g. one that runs several commands and must be repeated as
 * a whole.
 *
 * @example
 * const transfer = withRetry(async (from: string, to: string) => {
 *   await redis.transaction([["DECR", from], ["INCR", to]], { retry: false });
 * }, { retries: 5, idempotent: false });
 * await transfer("a", "b");
 */
import * as z from "zod";
import { delayMsSchema, retriesSchema } from "./fields.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, runWithRetry } from "./retry.js";
import { abortSignalSchema, parseInput } from "./validation.js";

const fnSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === "function",
  "must be a function",
);

const withRetryOptionsSchema = z
  .strictObject({
    /** Extra attempts after the first (seed `retry_attempts`). Default 3. */
    retries: retriesSchema.optional(),
    /** Delay before the first retry in ms, doubling each time (seed `retry_base_delay`). Default 100. */
    baseDelayMs: delayMsSchema.optional(),
    /** Upper bound of one delay in ms (the seed caps at 2 s). Default 2000. */
    maxDelayMs: delayMsSchema.optional(),
    /** Randomize each delay between half and all of it. Default true. */
    jitter: z.boolean().optional(),
    /**
     * Whether running `fn` twice is harmless (default true). When false, only faults after which
     * nothing ran are retried (connection refused, LOADING, READONLY, …), never a timeout.
     */
    idempotent: z.boolean().optional(),
    /**
     * Which errors to retry, instead of redge's transient faults (ConnectionError, TimeoutError,
     * LOADING/READONLY/TRYAGAIN/MASTERDOWN/CLUSTERDOWN/BUSY; the seed: ConnectionError,
     * TimeoutError, BusyLoadingError).
     */
    retryOn: fnSchema.optional(),
    /** Told before each retry: the error, the retry's number (1, 2, …) and the delay. */
    onRetry: fnSchema.optional(),
    /** Stops waiting between attempts (AbortedError). */
    signal: abortSignalSchema.optional(),
  })
  .refine(
    (o) =>
      (o.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs) >=
      (o.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs),
    { message: "must be at least baseDelayMs", path: ["maxDelayMs"] },
  );

export type WithRetryOptions = Omit<
  z.input<typeof withRetryOptionsSchema>,
  "retryOn" | "onRetry"
> & {
  retryOn?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
};

/**
 * Returns `fn` wrapped so a call that fails with a transient fault is tried again with backoff
 * (defaults: 3 retries, 100 ms doubling to 2 s, jitter), then rejects with the last error. The
 * wrapper takes the same arguments, forwards `this`, and always returns a promise. Options are
 * validated here: a bad one throws a ValidationError naming it.
 */
export function withRetry<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  options: WithRetryOptions = {},
): (...args: A) => Promise<Awaited<R>> {
  parseInput(fnSchema, fn, "fn");
  const o = parseInput(withRetryOptionsSchema, options, "options");
  const policy: RetryPolicy = {
    retries: o.retries ?? DEFAULT_RETRY_POLICY.retries,
    baseDelayMs: o.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: o.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    jitter: o.jitter ?? DEFAULT_RETRY_POLICY.jitter,
  };
  const context = {
    policy,
    idempotent: o.idempotent ?? true,
    signal: o.signal,
    onRetry: options.onRetry,
    retryOn: options.retryOn,
  };
  return function retrying(this: unknown, ...args: A): Promise<Awaited<R>> {
    const run = async (): Promise<Awaited<R>> => (await fn.apply(this, args)) as Awaited<R>;
    return runWithRetry(run, context);
  };
}
