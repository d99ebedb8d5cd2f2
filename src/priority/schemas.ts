/**
 * Input schemas and limits of the priority stream. Types of options and inputs are derived from
 * these schemas; every public entry point parses its input here before anything reaches Redis.
 */
import * as z from "zod";
import {
  abortSignalSchema,
  depthLimited,
  durationMsSchema,
  finiteNumberSchema,
  itemIdSchema,
  keyNameSchema,
  rawTextSchema,
} from "../core/validation.js";

/** Most items one pull returns. */
export const MAX_PULL_COUNT = 10_000;
/**
 * A purge pull's reply is kept at least this long (server time) under its pull id, so a repeat
 * with the same id gets the same items; longer when the client's retries can take longer.
 */
export const PULL_REPLY_KEEP_MS = 60_000;
/** Default and largest `limit` of `expired`. */
export const DEFAULT_EXPIRED_LIMIT = 1_000;
export const MAX_EXPIRED_LIMIT = 10_000;
/** Most ids one `ack` or `remove` call takes (each is one script call). */
export const MAX_IDS_PER_CALL = 10_000;
/**
 * addMany sends at most this many items per script call (each call atomic). 1,000 keeps one call
 * around a few ms of server time, so other clients are not stalled, and well inside Lua's stack.
 */
export const ADD_MANY_CHUNK_ITEMS = 1_000;
/** ...and at most about this many bytes of ids and data per call (REST bodies stay small). */
export const ADD_MANY_CHUNK_BYTES = 1_000_000;

/** A JSON value; a string is stored as a string ("42" stays "42", 42 stays 42). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export const streamNameSchema = keyNameSchema;
export const idSchema = itemIdSchema;
export const prioritySchema = finiteNumberSchema;

/** Data: a string or any JSON value (no undefined, functions, NaN/Infinity, BigInt, class instances). */
// Strings first: the common case skips z.json()'s recursive union.
// The depth check runs first: z.json() recurses, and a value nested thousands deep would end in
// a RangeError instead of a ValidationError.
export const dataSchema = depthLimited(
  z.union([rawTextSchema, z.json()], {
    error: "must be a string or a JSON value (no undefined, NaN, Infinity, BigInt or functions)",
  }),
);

export const ifExistsSchema = z.enum(["replace", "keep", "increment"]);
/** What add/addMany do with an id that is already in the stream. */
export type IfExists = z.infer<typeof ifExistsSchema>;

/** Latest due time `runAt` takes (ms since the epoch): the year 3000, far beyond any schedule. */
export const MAX_RUN_AT = 32_503_680_000_000;

/**
 * When a new item becomes visible: after `delayMs`, or at `runAt` (ms since the epoch), both by
 * the server's clock. Until then pulls, peeks and the gate do not see it. A time already past is
 * now. Applies to new ids only: an id already in the stream keeps its state and due time.
 */
const dueFields = {
  delayMs: z
    .number()
    .int("must be a whole number of ms")
    .min(0)
    .max(2 ** 45)
    .optional(),
  runAt: z.number().int("must be a whole number of ms").min(0).max(MAX_RUN_AT).optional(),
};
const oneDueTime = (o: { delayMs?: number | undefined; runAt?: number | undefined }) =>
  o.delayMs === undefined || o.runAt === undefined;
const ONE_DUE_TIME = {
  message: "delayMs and runAt exclude each other (one says after how long, the other when)",
  path: ["runAt"],
};

export const addOptionsSchema = z
  .strictObject({ ifExists: ifExistsSchema.optional(), ...dueFields })
  .refine(oneDueTime, ONE_DUE_TIME)
  .optional();
export type AddOptions = NonNullable<z.input<typeof addOptionsSchema>>;
/** addMany's options: `ifExists` (each item carries its own delayMs or runAt). */
export const addManyOptionsSchema = z
  .strictObject({ ifExists: ifExistsSchema.optional() })
  .optional();
export type AddManyOptions = NonNullable<z.input<typeof addManyOptionsSchema>>;

/** An item's fields before the due-time check (the app swaps `data` for its OpenAPI form). */
export const addItemFieldsSchema = z.strictObject({
  id: idSchema,
  data: dataSchema,
  priority: prioritySchema,
  ...dueFields,
});
/** Refuses `delayMs` together with `runAt`. */
export function withOneDueTime<S extends z.ZodType<{ delayMs?: number; runAt?: number }>>(
  schema: S,
) {
  return schema.refine(oneDueTime, ONE_DUE_TIME);
}
export const addItemSchema = withOneDueTime(addItemFieldsSchema);
export const addItemsSchema = z.array(addItemSchema);

/** A pull id: part of a key name, so only characters that are safe there. */
export const pullIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters: letters, digits, '.', '_', ':', '-'");

export const pullOptionsSchema = z
  .strictObject({
    count: z.number().int("must be a whole number").min(1).max(MAX_PULL_COUNT).optional(),
    purge: z.boolean().optional(),
    gate: z.boolean().optional(),
    leaseMs: durationMsSchema.optional(),
    /**
     * Names this purge pull (default: a random id per call): a repeat with the same id within
     * PULL_REPLY_KEEP_MS returns the same items instead of removing new ones.
     */
    pullId: pullIdSchema.optional(),
  })
  .refine((o) => !(o.purge === true && o.leaseMs !== undefined), {
    message: "purge and leaseMs exclude each other (purge removes, a lease hides until ack)",
    path: ["leaseMs"],
  })
  .refine((o) => o.pullId === undefined || (o.purge !== false && o.leaseMs === undefined), {
    message: "applies to pulls that purge only (a lease or a peek needs no pull id)",
    path: ["pullId"],
  })
  .optional();
export type PullOptions = NonNullable<z.input<typeof pullOptionsSchema>>;

/** A lease to complete: an id, optionally with the deadline its pull returned (a fencing token). */
export const ackEntrySchema = z.union([
  idSchema,
  z.strictObject({ id: idSchema, leasedUntil: z.number().int().nonnegative() }),
]);
export type AckEntry = z.input<typeof ackEntrySchema>;
export const ackEntriesSchema = z.array(ackEntrySchema).max(MAX_IDS_PER_CALL);
export const idsSchema = z.array(idSchema).max(MAX_IDS_PER_CALL);

export const deltaSchema = finiteNumberSchema;
export const thresholdSchema = finiteNumberSchema;
export const deleteBelowOptionsSchema = z
  .strictObject({ inclusive: z.boolean().optional() })
  .optional();
export type DeleteBelowOptions = NonNullable<z.input<typeof deleteBelowOptionsSchema>>;

export const expiredOptionsSchema = z.strictObject({
  ttlMs: durationMsSchema,
  purge: z.boolean().optional(),
  limit: z.number().int("must be a whole number").min(1).max(MAX_EXPIRED_LIMIT).optional(),
});
export type ExpiredOptions = z.input<typeof expiredOptionsSchema>;

export const gateSchema = finiteNumberSchema.nullable();

/** Most attempts `maxAttempts` takes. */
export const MAX_ATTEMPTS_LIMIT = 1_000_000;
/** Longest reason kept with a nack or a dead letter. */
export const MAX_REASON_LENGTH = 1_000;

const delayMsSchema = z
  .number()
  .int("must be a whole number of ms")
  .min(0)
  .max(2 ** 45);

export const backoffSchema = z
  .strictObject({
    /** `exponential`: delayMs × 2^(attempt − 1), at most maxDelayMs; `fixed`: delayMs each time. */
    type: z.enum(["exponential", "fixed"]),
    delayMs: delayMsSchema,
    maxDelayMs: delayMsSchema.optional(),
    /** 0..1: each delay is shortened by up to this share, at random (spreads retries out). */
    jitter: z.number().min(0).max(1).optional(),
  })
  .refine((b) => b.maxDelayMs === undefined || b.maxDelayMs >= b.delayMs, {
    message: "must be at least delayMs",
    path: ["maxDelayMs"],
  });
export type Backoff = z.input<typeof backoffSchema>;

/**
 * A stream's retry policy, stored with the stream (its meta hash) so every client applies the
 * same: after `maxAttempts` leases that ended without an ack an item becomes a dead letter;
 * `backoff` sets the wait before each retry (none: at once).
 */
export const streamOptionsSchema = z.strictObject({
  maxAttempts: z.number().int("must be a whole number").min(1).max(MAX_ATTEMPTS_LIMIT).optional(),
  backoff: backoffSchema.optional(),
});
export type StreamOptions = z.input<typeof streamOptionsSchema>;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;
/** A nack's reason: text without control characters (it is one line of a dead letter's record). */
export const reasonSchema = rawTextSchema
  .max(MAX_REASON_LENGTH)
  .refine((s) => !CONTROL.test(s), "must not contain control characters");

export const nackOptionsSchema = z
  .strictObject({
    /** Wait this long before the next attempt instead of the stream's backoff (0: at once). */
    delayMs: delayMsSchema.optional(),
    /** Why the attempt failed; kept with the item if it becomes a dead letter. */
    reason: reasonSchema.optional(),
  })
  .optional();
export type NackOptions = NonNullable<z.input<typeof nackOptionsSchema>>;

/** Most items `concurrency` or a rate's `max` take. */
export const MAX_LIMIT = 1_000_000_000;

export const limitsSchema = z.strictObject({
  /** Most items leased at once, across every consumer. */
  concurrency: z.number().int("must be a whole number").min(1).max(MAX_LIMIT).optional(),
  /** Most items taken (leased or purged) in any window of `perMs`, across every consumer. */
  rate: z
    .strictObject({
      max: z.number().int("must be a whole number").min(1).max(MAX_LIMIT),
      perMs: durationMsSchema,
    })
    .optional(),
});
export type Limits = z.input<typeof limitsSchema>;

export const DEFAULT_DEAD_LETTERS_COUNT = 100;
export const deadLettersOptionsSchema = z
  .strictObject({
    count: z.number().int("must be a whole number").min(1).max(MAX_PULL_COUNT).optional(),
  })
  .optional();
export type DeadLettersOptions = NonNullable<z.input<typeof deadLettersOptionsSchema>>;

/** Most events one `events` call returns, and the longest it blocks. */
export const MAX_EVENTS_COUNT = 1_000;
export const DEFAULT_EVENTS_COUNT = 100;
export const MAX_EVENTS_BLOCK_MS = 60_000;
/** A position in the events stream: a Redis stream id, "0" (the start) or "$" (only new ones). */
export const eventIdSchema = z
  .string()
  .regex(/^(\$|0|\d{1,16}(-\d{1,20})?)$/, 'must be an event id (<ms>-<seq>), "0" or "$"');
export const eventsOptionsSchema = z
  .strictObject({
    /** Events after this id (default "0": every event still kept; "$": only new ones). */
    from: eventIdSchema.optional(),
    count: z.number().int("must be a whole number").min(1).max(MAX_EVENTS_COUNT).optional(),
    /** Wait up to this long for an event when there is none yet (default 0: do not wait). */
    blockMs: z
      .number()
      .int("must be a whole number of ms")
      .min(0)
      .max(MAX_EVENTS_BLOCK_MS)
      .optional(),
    signal: abortSignalSchema.optional(),
  })
  .optional();
export type EventsOptions = NonNullable<z.input<typeof eventsOptionsSchema>>;

/** A schedule's id: an item id with room for the occurrence's `@<due ms>` suffix. */
export const scheduleIdSchema = idSchema.refine(
  (s) => s.length <= 490,
  "must be at most 490 characters",
);

/** A schedule's timing fields, before the checks that tie them together. */
export const scheduleFieldsSchema = z.strictObject({
  /** An occurrence every `every` ms, at multiples of it since the epoch (server clock). */
  every: durationMsSchema.optional(),
  /** A cron expression (5 fields, or 6 with seconds; croner's syntax). */
  cron: z.string().min(1).max(200).optional(),
  /** The cron expression's time zone (IANA, e.g. "Europe/Rome"; default UTC). */
  tz: z.string().min(1).max(64).optional(),
});
/** Either `every` or `cron`, and `tz` only with `cron`. */
export function withOneTiming<
  S extends z.ZodType<{ every?: number | undefined; cron?: string | undefined; tz?: string }>,
>(schema: S) {
  return schema
    .refine((o) => (o.every === undefined) !== (o.cron === undefined), {
      message: "give either every (ms) or cron",
      path: ["every"],
    })
    .refine((o) => o.tz === undefined || o.cron !== undefined, {
      message: "applies to cron schedules only",
      path: ["tz"],
    });
}
export const scheduleOptionsSchema = withOneTiming(scheduleFieldsSchema);
export type ScheduleOptions = z.input<typeof scheduleOptionsSchema>;
