/**
 * The stream queue's input schemas. Types of options come from these schemas, not written twice.
 */
import * as z from "zod";
import {
  abortSignalSchema,
  depthLimited,
  durationMsSchema,
  keyNameSchema,
} from "../core/validation.js";

/** Most messages one `receive` returns. */
export const MAX_RECEIVE_COUNT = 1_000;
/** Longest `blockMs`: the longest timer every runtime honours. */
export const MAX_BLOCK_MS = 2_147_483_647;

/** A stream entry id as Redis writes it: `<ms>-<seq>`. */
export const streamIdSchema = z
  .string()
  .regex(/^\d{1,20}-\d{1,20}$/, "must be a stream id like 1700000000000-0");

const positiveInt = (max: number) =>
  z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`);

const maxLenSchema = positiveInt(2 ** 53 - 1);

export const streamOptionsSchema = z.strictObject({
  /** The consumer group every call of this queue works with. */
  group: keyNameSchema,
  /** Trim the stream to about this many entries on each publish (`XADD MAXLEN ~ n`). */
  maxLen: maxLenSchema.optional(),
  /**
   * Expire the stream (and its dead letters) this long after the last publish or receive: each
   * publish, receive and createGroup refreshes it (STEP: `ttl_seconds`).
   */
  ttlMs: durationMsSchema.optional(),
  /** A message reclaimed after this many deliveries goes to the dead-letter stream instead. */
  maxDeliveries: positiveInt(1_000_000).optional(),
});
export type StreamOptions = z.input<typeof streamOptionsSchema>;

export const createGroupOptionsSchema = z.strictObject({
  /**
   * Where the group starts reading: `"0"` (default: every message already in the stream), `"$"`
   * (only messages published from now on) or an entry id.
   */
  startId: z.union([z.literal("0"), z.literal("$"), streamIdSchema]).default("0"),
});
export type CreateGroupOptions = z.input<typeof createGroupOptionsSchema>;

export const publishOptionsSchema = z.strictObject({
  /** Overrides the stream's `maxLen` for this call. */
  maxLen: maxLenSchema.optional(),
});
export type PublishOptions = z.input<typeof publishOptionsSchema>;

/** A value `JSON.stringify` turns into text (not `undefined`, a function, a symbol or a BigInt). */
export const jsonValueSchema = depthLimited(z.unknown()).refine(
  (value) => {
    try {
      return JSON.stringify(value) !== undefined;
    } catch {
      return false;
    }
  },
  { message: "must be a JSON-serializable value" },
);

export const receiveOptionsSchema = z.strictObject({
  /** This consumer's name within the group (its pending messages are tracked under it). */
  consumer: keyNameSchema,
  /** Most messages to return, 1 to 1000. Default 10. */
  count: positiveInt(MAX_RECEIVE_COUNT).default(10),
  /**
   * Wait up to this long for a message when none is there (0 or absent: do not wait). TCP blocks
   * on a pooled connection; REST polls with backoff.
   */
  blockMs: z
    .number()
    .int("must be a whole number of ms")
    .min(0, "must be ≥ 0")
    .max(MAX_BLOCK_MS, `must be at most ${MAX_BLOCK_MS}`)
    .default(0),
  /** First take over messages another consumer has left unacknowledged for this long. */
  claimIdleMs: durationMsSchema.optional(),
  /**
   * Refresh the stream's TTL (and its dead letters') to this, instead of the queue's `ttlMs`
   * (STEP: `receive_message(…, ttl_seconds)`).
   */
  ttlMs: durationMsSchema.optional(),
  /**
   * TCP: how long each try to take a blocking connection may wait for one (default: not at all).
   * A receive that gets none polls, and tries again after each poll; it never fails for it.
   */
  acquireTimeoutMs: durationMsSchema.optional(),
  /** Stop waiting (blocking or polling) when this fires. */
  // Duck-typed, not `instanceof`: the edge-runtime VM hands over the request's signal from
  // another realm, which an instanceof check against this realm's class refuses (every receive
  // answered 400 there).
  signal: abortSignalSchema.optional(),
});
export type ReceiveOptions = z.input<typeof receiveOptionsSchema>;
export type ParsedReceiveOptions = z.output<typeof receiveOptionsSchema>;

export const idsSchema = z.array(streamIdSchema).max(100_000, "must hold at most 100000 ids");

export const pendingMessagesOptionsSchema = z.strictObject({
  /** Most entries to return, 1 to 1000. Default 100. */
  count: positiveInt(MAX_RECEIVE_COUNT).default(100),
  /** Only this consumer's pending messages. */
  consumer: keyNameSchema.optional(),
  /** Only messages idle at least this long. */
  minIdleMs: durationMsSchema.optional(),
  /** Only ids after this one (for paging: pass the last id of the previous page). */
  after: streamIdSchema.optional(),
});
export type PendingMessagesOptions = z.input<typeof pendingMessagesOptionsSchema>;

export const deadLettersOptionsSchema = z.strictObject({
  /** Most entries to return, 1 to 1000. Default 100. */
  count: positiveInt(MAX_RECEIVE_COUNT).default(100),
  /** Only dead letters after this dead-letter id (for paging). */
  after: streamIdSchema.optional(),
});
export type DeadLettersOptions = z.input<typeof deadLettersOptionsSchema>;

export const touchTtlSchema = durationMsSchema;
export const nameSchema = keyNameSchema;
