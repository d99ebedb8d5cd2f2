/**
 * Input schemas and limits of the rate limiter. Types are derived from these schemas; every public
 * entry point parses its input here before anything reaches Redis.
 */
import * as z from "zod";
import { durationMsSchema, itemIdSchema, keyNameSchema } from "../core/validation.js";

/** Largest `limit` (and `cost`): far beyond any real quota, well inside a double's integers. */
export const MAX_RATE_LIMIT = 1_000_000_000;
export const DEFAULT_RATELIMIT_PREFIX = "ratelimit";

export const algorithmSchema = z.enum(["sliding", "fixed", "token-bucket"]);
export type RatelimitAlgorithm = z.infer<typeof algorithmSchema>;

export const ratelimitOptionsSchema = z.strictObject({
  /** Units allowed per window (the bucket's size for token-bucket). */
  limit: z.number().int("must be a whole number").min(1).max(MAX_RATE_LIMIT),
  /** The window (for token-bucket: the time to refill `limit` tokens). */
  windowMs: durationMsSchema,
  algorithm: algorithmSchema,
  /** Names this limiter's keys (`rl:{<prefix>:<identifier>}:…`); limiters with one prefix share counts. */
  prefix: keyNameSchema.optional(),
});
export type RatelimitOptions = z.input<typeof ratelimitOptionsSchema>;

/** Who is limited: a user id, an IP, an API key's id... (it becomes part of a key). */
export const identifierSchema = itemIdSchema;

export const limitCallOptionsSchema = z
  .strictObject({
    /** Units this call takes (default 1; 0 only checks). At most the limit. */
    cost: z.number().int("must be a whole number").min(0).max(MAX_RATE_LIMIT).optional(),
  })
  .optional();
export type LimitCallOptions = NonNullable<z.input<typeof limitCallOptionsSchema>>;
