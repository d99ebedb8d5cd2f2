/**
 * Counts in-flight requests so `close()` can let them finish, and turns requests that arrive while
 * closing (on a kept-alive connection) into 503s.
 */
import type { MiddlewareHandler } from "hono";
import { RETRY_AFTER_SECONDS } from "./failures.js";

export interface Lifecycle {
  readonly middleware: MiddlewareHandler;
  readonly inFlight: number;
  readonly closing: boolean;
  /** Stops taking requests; resolves once none is in flight or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  /** For requests served outside the middleware: false once closing (answer 503 then). */
  enter(): boolean;
  leave(): void;
}

export function createLifecycle(): Lifecycle {
  let inFlight = 0;
  let closing = false;
  let onIdle: (() => void) | undefined;

  const middleware: MiddlewareHandler = async (c, next) => {
    if (closing) {
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      c.header("Connection", "close");
      return c.json({ error: "UNAVAILABLE the gateway is shutting down" }, 503);
    }
    inFlight++;
    try {
      await next();
    } finally {
      leave();
    }
  };

  const leave = () => {
    inFlight--;
    if (inFlight === 0) onIdle?.();
  };

  return {
    middleware,
    enter() {
      if (closing) return false;
      inFlight++;
      return true;
    },
    leave,
    get inFlight() {
      return inFlight;
    },
    get closing() {
      return closing;
    },
    async drain(timeoutMs) {
      closing = true;
      if (inFlight === 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        onIdle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      onIdle = undefined;
    },
  };
}
