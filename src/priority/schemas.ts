/**
 * Input schemas and limits of the priority stream. Types of options and inputs are derived from
 * these schemas; every public entry point parses its input here before anything reaches Redis.
 */
import * as z from "zod";
import {
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

export const addOptionsSchema = z.strictObject({ ifExists: ifExistsSchema.optional() }).optional();
export type AddOptions = NonNullable<z.input<typeof addOptionsSchema>>;

export const addItemSchema = z.strictObject({
  id: idSchema,
  data: dataSchema,
  priority: prioritySchema,
});
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
