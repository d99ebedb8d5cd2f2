/**
 * Retry with capped exponential backoff and jitter, on transient faults only (seed: ha_redis).
 */
import { AbortedError, certainlyNotExecuted, isTransient } from "./errors.js";

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  retries: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs: number;
  /** Upper bound of any single delay. */
  maxDelayMs: number;
  /** Randomize each delay between half and all of its value, so clients do not retry in step. */
  jitter: boolean;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  jitter: true,
};

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  // "Equal jitter": keeps at least half the delay, so a retry never comes back immediately.
  return policy.jitter ? exponential / 2 + random() * (exponential / 2) : exponential;
}

/**
 * The longest a call can take under `policy` when every attempt times out: attempts × timeoutMs
 * plus the backoff sleeps at their longest (no jitter).
 */
export function retryWindowMs(policy: RetryPolicy, timeoutMs: number): number {
  let sleeps = 0;
  for (let attempt = 0; attempt < policy.retries; attempt++) {
    sleeps += Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  }
  return (policy.retries + 1) * timeoutMs + sleeps;
}

export interface RetryContext {
  policy: RetryPolicy;
  /**
   * Whether running the operation twice is harmless. When false, only faults where the operation
   * certainly did not run (connection refused, LOADING, READONLY, ...) are retried.
   */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
  /** Called before each retry (for logging or metrics); never receives secrets. */
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
  /** Decides instead of `shouldRetry` which errors are retried (the public `withRetry`). */
  retryOn?: ((error: unknown) => boolean) | undefined;
  /** Whether to stop retrying (the client was closed): the last error is reported as it is. */
  stopped?: (() => boolean) | undefined;
}

export function shouldRetry(error: unknown, idempotent: boolean): boolean {
  return idempotent ? isTransient(error) : certainlyNotExecuted(error);
}

/** Runs `operation`, retrying per `context`; the client's calls and `withRetry` both use it. */
export async function runWithRetry<T>(
  operation: () => Promise<T>,
  context: RetryContext,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const retryable = context.retryOn
        ? context.retryOn(error)
        : shouldRetry(error, context.idempotent);
      if (attempt >= context.policy.retries || !retryable) throw error;
      if (context.signal?.aborted || context.stopped?.()) throw error;
      const delay = backoffDelay(attempt, context.policy);
      context.onRetry?.(error, attempt + 1, delay);
      await sleep(delay, context.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with AbortedError when the signal fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
