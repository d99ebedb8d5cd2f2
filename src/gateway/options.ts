/**
 * The gateway's options: one zod schema, from which the input and resolved types are derived.
 *
 * Validation reports every bad field at once through `ConfigError`, and no message quotes a value:
 * tokens and Redis URLs (which may carry a password) must never reach an error or a log line.
 */
import { Cluster, Redis, type RedisOptions } from "ioredis";
import * as z from "zod";
import { ConfigError } from "../core/errors.js";
import { unallowableReason } from "./policy.js";
import type { TopologySource } from "./topology.js";

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
export const DEFAULT_TRANSACTION_CONNECTIONS = 4;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 5_000;
/** Redis' own default `busy-reply-threshold`: it cannot stop a script sooner anyway. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 5_000;
/** Bytes of request bodies held at once across all requests; more waits are refused with 503. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** How long a client may take to send a whole request (headers and body). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Bytes one SSE subscriber may have waiting for the network before it is dropped: the official
 * client refuses an event line longer than 1 MiB anyway.
 */
export const DEFAULT_SSE_CLIENT_BUFFER_BYTES = 1024 * 1024;
/** Bytes waiting for the network over all SSE subscribers; past it the slowest is dropped. */
export const DEFAULT_SSE_BUFFERED_BYTES = 64 * 1024 * 1024;
/** A comment line this often keeps idle streams open through proxies that time them out. */
export const DEFAULT_SSE_KEEP_ALIVE_MS = 15_000;

/**
 * Where the gateway's Redis is: a URL, ioredis options, a Sentinel or Cluster in the client
 * config's shape (`{ sentinel: { sentinels, masterName } }`, `{ cluster: { nodes } }`), or a
 * connection the caller owns.
 */
export type RedisSource = string | RedisOptions | TopologySource | Redis | Cluster;

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const redisSource = z.custom<RedisSource>(
  (value) =>
    typeof value === "string"
      ? isRedisUrl(value)
      : value instanceof Redis || value instanceof Cluster || isPlainObject(value),
  {
    message:
      "must be a redis:// or rediss:// URL, { sentinel: … } or { cluster: … }, an ioredis options object or an ioredis Redis/Cluster instance",
  },
);

// Printable ASCII without spaces: a token travels in an HTTP header as `Bearer <token>`.
const token = z
  .string({ error: "must be a string" })
  .regex(/^[\x21-\x7e]+$/, { error: "must be non-empty printable ASCII without spaces" });

const allowEntry = z
  .string({ error: "must be a string" })
  .regex(/^\s*[A-Za-z][\w.|-]*(\s+[A-Za-z][\w.|-]*)?\s*$/, {
    error: 'must be a command name ("FLUSHDB") or a "COMMAND SUBCOMMAND" pair ("SCRIPT FLUSH")',
  })
  .superRefine((entry, ctx) => {
    const reason = unallowableReason(entry);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  });

const positiveInt = z.number({ error: "must be a number" }).int("must be an integer").positive();

// Strict: a misspelt option ("token" for "tokens") is reported instead of silently ignored.
export const gatewayOptionsSchema = z
  .strictObject({
    /**
     * A `redis://`/`rediss://` URL, `{ sentinel: {…} }` / `{ cluster: {…} }`, ioredis options, or
     * an ioredis instance (not closed by us).
     */
    redis: redisSource,
    /** Tokens that may run every command the policy lets through. */
    tokens: z.array(token, { error: "must be an array of strings" }).min(1, {
      error: "at least one token is required",
    }),
    /** Tokens that may run read-only commands only (403 on anything else). */
    readOnlyTokens: z.array(token, { error: "must be an array of strings" }).default([]),
    /** Commands denied by default to allow anyway: "FLUSHDB", "SCRIPT FLUSH", "KEYS". */
    allow: z.array(allowEntry, { error: "must be an array of strings" }).default([]),
    /**
     * Let any script or function run (EVAL, EVALSHA, SCRIPT LOAD, FCALL, FUNCTION LOAD/DELETE),
     * not only the known ones. The gateway then refuses to serve unless its Redis user is barred
     * by ACL from every denied command a script could call (checked with ACL DRYRUN).
     */
    allowScripts: z.boolean({ error: "must be a boolean" }).default(false),
    /** Lua sources the gateway trusts besides redge's own: they run without `allowScripts`. */
    scripts: z
      .array(z.string({ error: "must be a string" }), { error: "must be an array of strings" })
      .default([]),
    /**
     * How long a script the gateway does not know may run before it is stopped with SCRIPT KILL
     * (effective no sooner than Redis' busy-reply-threshold, 5 s by default).
     */
    scriptTimeoutMs: positiveInt.optional(),
    /** Largest accepted request body; larger ones get 413. The default lets 1 MB values pass. */
    maxBodyBytes: positiveInt.default(DEFAULT_MAX_BODY_BYTES),
    /** Request bodies held in memory at once, over all requests; beyond it requests get 503. */
    maxBufferedBytes: positiveInt.default(DEFAULT_MAX_BUFFERED_BYTES),
    /** A request (headers and body) must arrive within this time, or its connection is closed. */
    requestTimeoutMs: positiveInt.default(DEFAULT_REQUEST_TIMEOUT_MS),
    /** How long Redis may take to answer one command before the request gets 503. */
    commandTimeoutMs: positiveInt.default(DEFAULT_COMMAND_TIMEOUT_MS),
    /**
     * Probe the Redis connections the gateway opened this often (0 = never): one that does not
     * answer within min(commandTimeoutMs, interval), or a Sentinel master that answers as a
     * replica, is dropped and reconnected (through the Sentinels: a hung master is left behind).
     */
    healthCheckIntervalMs: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .nonnegative()
      .default(DEFAULT_HEALTH_CHECK_INTERVAL_MS),
    /** Dedicated connections for `/multi-exec` (each transaction holds one for its duration). */
    transactionConnections: positiveInt
      .max(256, { error: "must be at most 256" })
      .default(DEFAULT_TRANSACTION_CONNECTIONS),
    /** How long `close()` waits for in-flight requests before cutting connections. */
    shutdownTimeoutMs: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .nonnegative()
      .default(DEFAULT_SHUTDOWN_TIMEOUT_MS),
    /**
     * Accept the token as a `_token` query parameter, as Upstash does (browsers' EventSource can
     * send no header). Off by default: URLs end up in access logs, proxy logs and histories.
     */
    allowQueryToken: z.boolean({ error: "must be a boolean" }).default(false),
    /** Bytes one SSE subscriber may have waiting for the network; past it, it is dropped. */
    sseClientBufferBytes: positiveInt.default(DEFAULT_SSE_CLIENT_BUFFER_BYTES),
    /** Bytes waiting over all SSE subscribers; past it the one holding most is dropped. */
    sseBufferedBytes: positiveInt.default(DEFAULT_SSE_BUFFERED_BYTES),
    /** How often an idle SSE stream gets a `: keep-alive` comment (0 = never). */
    sseKeepAliveMs: z
      .number({ error: "must be a number" })
      .int("must be an integer")
      .nonnegative()
      .default(DEFAULT_SSE_KEEP_ALIVE_MS),
    /** Receives one line per notable event (Redis connection errors); lines are redacted. */
    log: z
      .custom<(line: string) => void>((value) => typeof value === "function", {
        message: "must be a function",
      })
      .optional(),
  })
  .superRefine((options, ctx) => {
    if (
      options.scriptTimeoutMs !== undefined &&
      options.scriptTimeoutMs >= options.commandTimeoutMs
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["scriptTimeoutMs"],
        message:
          "must be below commandTimeoutMs, so a script is stopped before its request times out",
      });
    }
    if (options.sseBufferedBytes < options.sseClientBufferBytes) {
      ctx.addIssue({
        code: "custom",
        path: ["sseBufferedBytes"],
        message: "must be at least sseClientBufferBytes",
      });
    }
    if (options.maxBufferedBytes < options.maxBodyBytes) {
      ctx.addIssue({
        code: "custom",
        path: ["maxBufferedBytes"],
        message: "must be at least maxBodyBytes",
      });
    }
    const readWrite = new Set(options.tokens);
    options.readOnlyTokens.forEach((t, i) => {
      if (readWrite.has(t)) {
        ctx.addIssue({
          code: "custom",
          path: ["readOnlyTokens", i],
          message: "is also listed in tokens; a token is either read-write or read-only",
        });
      }
    });
  })
  // Unless given, a script's budget is Redis' default threshold, or half the command timeout
  // when that is shorter (tests and impatient operators).
  .transform((options) => ({
    ...options,
    scriptTimeoutMs:
      options.scriptTimeoutMs ??
      Math.max(1, Math.min(DEFAULT_SCRIPT_TIMEOUT_MS, Math.floor(options.commandTimeoutMs / 2))),
  }));

/** What `createGateway` accepts. */
export type GatewayOptions = z.input<typeof gatewayOptionsSchema>;
/** Options with defaults applied. */
export type ResolvedGatewayOptions = z.output<typeof gatewayOptionsSchema>;

/** Validates options, throwing a `ConfigError` that lists every bad field (never its value). */
export function parseGatewayOptions(input: unknown): ResolvedGatewayOptions {
  const parsed = gatewayOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
  );
}
