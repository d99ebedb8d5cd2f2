/**
 * One family of typed errors shared by every transport and capability.
 *
 * Messages never contain passwords or tokens: transports build them from Redis' own reply or a
 * short description of the fault, and `redact()` scrubs anything that looks like a credential
 * before it reaches a message.
 */

export type RedgeErrorCode =
  | "connection"
  | "timeout"
  | "command"
  | "config"
  | "validation"
  | "aborted"
  | "conflict"
  | "durability";

export interface RedgeErrorOptions {
  cause?: unknown;
}

export class RedgeError extends Error {
  readonly code: RedgeErrorCode;
  constructor(code: RedgeErrorCode, message: string, options?: RedgeErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = "RedgeError";
  }
}

/**
 * The server could not be reached or the connection broke. `sent` says whether the command may
 * have reached Redis: `false` means it certainly did not (refused, not connected), so repeating
 * it is safe even for operations that are not idempotent.
 */
export class ConnectionError extends RedgeError {
  readonly sent: boolean;
  constructor(message: string, options?: RedgeErrorOptions & { sent?: boolean }) {
    super("connection", message, options);
    this.name = "ConnectionError";
    this.sent = options?.sent ?? true;
  }
}

/** No reply within the command timeout. The command may or may not have run. */
export class TimeoutError extends RedgeError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, options?: RedgeErrorOptions & { message?: string }) {
    super("timeout", options?.message ?? `Redis did not answer within ${timeoutMs} ms`, options);
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** Redis answered with an error reply; `message` is Redis' own text (e.g. `WRONGTYPE ...`). */
export class CommandError extends RedgeError {
  /** The first word of Redis' reply: ERR, WRONGTYPE, NOSCRIPT, READONLY, LOADING, ... */
  readonly prefix: string;
  /** The command name that failed (never its arguments: they may hold secrets or user data). */
  readonly command: string | undefined;
  constructor(message: string, options?: RedgeErrorOptions & { command?: string }) {
    super("command", message, options);
    this.name = "CommandError";
    this.prefix = message.split(" ", 1)[0] ?? "";
    this.command = options?.command;
  }
}

/**
 * No pooled resource (a dedicated connection) became free within the acquire timeout: every one
 * was busy, or the caller's share key already held its share (src/transport/pool.ts).
 */
export class AcquireTimeoutError extends TimeoutError {
  /** The pool's size limit, all of which was in use (or the caller's key held its share of). */
  readonly maxConnections: number;
  readonly acquireTimeoutMs: number;
  /** Set when the pool had room but the caller's `shareKey` already held this many (its share). */
  readonly share: number | undefined;
  constructor(label: string, maxConnections: number, acquireTimeoutMs: number, share?: number) {
    super(acquireTimeoutMs, {
      message:
        share === undefined
          ? `No ${label} became free within ${acquireTimeoutMs} ms: all ${maxConnections} are in use ` +
            "(raise maxConnections, or the acquire timeout, or hold connections for shorter)"
          : `No ${label} became free within ${acquireTimeoutMs} ms for this key: it holds its share, ` +
            `${share} of ${maxConnections} (the rest stay free for other keys)`,
    });
    this.name = "AcquireTimeoutError";
    this.maxConnections = maxConnections;
    this.acquireTimeoutMs = acquireTimeoutMs;
    this.share = share;
  }
}

/** The configuration is invalid; `issues` lists every bad field. */
export class ConfigError extends RedgeError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    super("config", `Invalid redge config: ${formatIssues(issues)}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** Input to a public entry point was rejected before anything was sent to Redis. */
export class ValidationError extends RedgeError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    super("validation", `Invalid input: ${formatIssues(issues)}`);
    this.name = "ValidationError";
    this.issues = issues;
  }
}

/**
 * A durable write ran on the master, but fewer replicas than asked acknowledged it within the WAIT
 * timeout: it may be lost if the master fails now. Never retried (running the write again would
 * apply it twice); the caller decides whether to repeat, compensate or accept the risk.
 */
export class DurabilityError extends RedgeError {
  /** Replicas that acknowledged the write. */
  readonly acknowledged: number;
  /** Replicas the call asked for. */
  readonly required: number;
  readonly timeoutMs: number;
  constructor(acknowledged: number, required: number, timeoutMs: number) {
    super(
      "durability",
      `The write ran on the master but only ${acknowledged} of ${required} required replica(s) ` +
        `acknowledged it within ${timeoutMs} ms; it may be lost if the master fails`,
    );
    this.name = "DurabilityError";
    this.acknowledged = acknowledged;
    this.required = required;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired before a reply arrived. */
export class AbortedError extends RedgeError {
  constructor(reason?: unknown) {
    super("aborted", "The operation was aborted", { cause: reason });
    this.name = "AbortedError";
  }
}

export function formatIssues(issues: readonly { path: string; message: string }[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
}

/** Reply prefixes that mean "the server could not take this command now; try again". */
const TRANSIENT_PREFIXES = new Set([
  "LOADING",
  "READONLY",
  "TRYAGAIN",
  "MASTERDOWN",
  "CLUSTERDOWN",
  "BUSY",
]);

/**
 * Whether an error is a transient fault worth retrying. Command errors are never transient, except
 * the server-state replies above, which Redis sends *instead of* running the command.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  if (error instanceof CommandError) return TRANSIENT_PREFIXES.has(error.prefix);
  return false;
}

/**
 * Whether the failed command certainly did not run, so it may be repeated even when it is not
 * idempotent: the connection was never made, or Redis refused it with a server-state reply.
 */
export function certainlyNotExecuted(error: unknown): boolean {
  if (error instanceof ConnectionError) return !error.sent;
  if (error instanceof CommandError) return TRANSIENT_PREFIXES.has(error.prefix);
  return false;
}

/**
 * Redis refused a write because it reached `maxmemory` under a policy that evicts nothing: the
 * request was fine, the server is full. Also inside a transaction (EXECABORT ... First error: OOM).
 */
export function isOutOfMemory(error: unknown): error is CommandError {
  return (
    error instanceof CommandError &&
    (error.prefix === "OOM" || /First error: OOM\b/.test(error.message))
  );
}
