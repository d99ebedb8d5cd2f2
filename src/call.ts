/**
 * Per-call deadline and cancellation: one AbortSignal that fires on the caller's signal or when
 * the timeout passes, and a race that stops waiting on a reply when it fires.
 */
import { AbortedError, TimeoutError } from "./errors.js";

export interface Deadline {
  signal: AbortSignal;
  /** Rejects with TimeoutError / AbortedError when the signal fires first. */
  race<T>(promise: Promise<T>): Promise<T>;
  dispose(): void;
}

export function createDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer =
    timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => controller.abort(new TimeoutError(timeoutMs)), timeoutMs)
      : undefined;
  const onOuterAbort = () => controller.abort(new AbortedError(outer?.reason));
  if (outer) {
    if (outer.aborted) onOuterAbort();
    else outer.addEventListener("abort", onOuterAbort, { once: true });
  }
  const signal = controller.signal;
  return {
    signal,
    race<T>(promise: Promise<T>): Promise<T> {
      if (signal.aborted) {
        promise.catch(() => {});
        return Promise.reject(signal.reason);
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        promise.then(
          (value) => {
            signal.removeEventListener("abort", onAbort);
            resolve(value);
          },
          (error) => {
            signal.removeEventListener("abort", onAbort);
            reject(error);
          },
        );
      });
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    },
  };
}
