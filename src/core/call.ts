/**
 * Per-call deadline and cancellation: a race that stops waiting on a reply when the timeout
 * passes or the caller's signal fires, and an AbortSignal for transports that can cancel work.
 *
 * The signal is created only when a transport asks for it (`deadline.call.signal`): the TCP
 * transport never does, and an AbortController with its event listeners costs more than a whole
 * ioredis round trip's worth of client CPU on a hot path.
 */
import { AbortedError, TimeoutError } from "./errors.js";

export interface Deadline {
  /** Port call options whose `signal` is created on first read. */
  readonly call: { readonly signal: AbortSignal };
  /** Rejects with TimeoutError / AbortedError when the deadline passes or the caller aborts. */
  race<T>(promise: Promise<T>): Promise<T>;
  dispose(): void;
}

export function createDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  let controller: AbortController | undefined;
  let reason: Error | undefined;
  let rejectRace: ((error: Error) => void) | undefined;

  const fire = (error: Error) => {
    if (reason) return;
    reason = error;
    controller?.abort(error);
    rejectRace?.(error);
  };
  const timer =
    timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => fire(new TimeoutError(timeoutMs)), timeoutMs)
      : undefined;
  const onOuterAbort = () => fire(new AbortedError(outer?.reason));
  if (outer) {
    if (outer.aborted) onOuterAbort();
    else outer.addEventListener("abort", onOuterAbort, { once: true });
  }

  return {
    call: {
      get signal() {
        if (!controller) {
          controller = new AbortController();
          if (reason) controller.abort(reason);
        }
        return controller.signal;
      },
    },
    race<T>(promise: Promise<T>): Promise<T> {
      if (reason) {
        promise.catch(() => {});
        return Promise.reject(reason);
      }
      return new Promise<T>((resolve, reject) => {
        rejectRace = reject;
        promise.then(resolve, reject);
      });
    },
    dispose() {
      rejectRace = undefined;
      if (timer !== undefined) clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
    },
  };
}
