/**
 * How a failure becomes an HTTP reply. Replies carry Redis' own message for error replies (the
 * official client matches on it: NOSCRIPT makes `createScript` fall back to EVAL) and a short
 * fixed text for everything else: never a stack, an address, a token or a password.
 *
 * Messages the gateway writes itself start with a word in Redis' style (UNAVAILABLE, CONNLOST,
 * TIMEOUT: see transport/wire-errors.ts, which the REST transport reads them back with; `ERR`
 * for a bad request and `NOPERM` for a refused one: repeating will not help).
 */
import {
  CommandError,
  ConnectionError,
  isOutOfMemory,
  isTransient,
  TimeoutError,
} from "../core/errors.js";
import { AcquireTimeoutError } from "../transport/pool.js";
import { wireMessage } from "../transport/wire-errors.js";
import { GatewayRefusal } from "./policy-loader.js";

/** A connection fault's text, led by the word that tells a client whether the command may have run. */
function connectionMessage(error: ConnectionError): string {
  return wireMessage(error.sent ? "CONNLOST" : "UNAVAILABLE", error.message);
}

export interface Failure {
  status: 400 | 500 | 503 | 507;
  message: string;
  /** Seconds, for the `Retry-After` header of a 503. */
  retryAfter?: number;
}

export const RETRY_AFTER_SECONDS = 1;

/** Replies that mean the gateway's own Redis credentials are wrong, not the request. */
const GATEWAY_AUTH_PREFIXES = new Set(["NOAUTH", "WRONGPASS"]);

export function failureOf(error: unknown): Failure {
  if (error instanceof CommandError && GATEWAY_AUTH_PREFIXES.has(error.prefix)) {
    // AUTH never comes from a caller (it is not supported), so this is the gateway's
    // configuration: a server-side fault, not something the caller did wrong.
    return {
      status: 503,
      message: wireMessage(
        "UNAVAILABLE",
        "the gateway cannot authenticate to Redis; check its Redis URL",
      ),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (isOutOfMemory(error)) {
    // maxmemory reached with a no-eviction policy: the server's state, not the request, is at
    // fault. 507 says so (and that repeating now will not help until memory is freed).
    return { status: 507, message: error.message };
  }
  if (error instanceof GatewayRefusal) {
    return {
      status: 503,
      message:
        "UNAVAILABLE the gateway refuses to serve: its Redis user could run commands the gateway denies (see the gateway's log)",
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof CommandError) {
    // LOADING, BUSY, MASTERDOWN...: Redis refused to run the command *now*; it is worth retrying.
    if (isTransient(error)) {
      return { status: 503, message: error.message, retryAfter: RETRY_AFTER_SECONDS };
    }
    return { status: 400, message: error.message };
  }
  if (error instanceof AcquireTimeoutError) {
    // Every transaction connection stayed busy: the transaction never started.
    return {
      status: 503,
      message: wireMessage("UNAVAILABLE", error.message),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof TimeoutError) {
    return {
      status: 503,
      message: wireMessage("TIMEOUT", `Redis did not answer within ${error.timeoutMs} ms`),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (error instanceof ConnectionError) {
    return { status: 503, message: connectionMessage(error), retryAfter: RETRY_AFTER_SECONDS };
  }
  return { status: 500, message: "ERR internal gateway error" };
}
