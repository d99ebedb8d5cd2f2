/**
 * What `createDict` accepts: the dict's name, its options, and the keys of its entries.
 */

import * as z from "zod";
import { isWellFormed, NOT_WELL_FORMED } from "../core/unicode.js";
import { durationMsSchema, keyNameSchema } from "../core/validation.js";

/** Seed default (good-redis `DictProxy`): a dict expires one day after its last write. */
export const DEFAULT_TTL_MS = 86_400_000;
/** Entries asked for per HSCAN page (a hint to Redis). */
export const DEFAULT_SCAN_COUNT = 100;

export const dictNameSchema = keyNameSchema;

/** The key of an entry: any string up to 1024 characters (a hash field, never a key part). */
export const dictKeySchema = z
  .string()
  .max(1024, "must be at most 1024 characters")
  .refine(isWellFormed, NOT_WELL_FORMED);

const scanCountSchema = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(10_000, "must be at most 10000");

export const dictOptionsSchema = z
  .object({
    /**
     * Expiry of the whole hash, refreshed by every write (default one day). `null` or 0: no
     * expiry, and writes leave any existing TTL alone.
     */
    ttlMs: z.union([z.literal(0), durationMsSchema, z.null()]).optional(),
    /** A zod schema every value must match, checked on write and on read. */
    schema: z
      .custom<z.ZodType>(
        (value) =>
          typeof value === "object" &&
          value !== null &&
          typeof (value as { safeParse?: unknown }).safeParse === "function",
        "must be a zod schema",
      )
      .optional(),
    /** Entries asked for per HSCAN page when iterating (default 100). */
    scanCount: scanCountSchema.optional(),
  })
  .strict();

export type DictOptions = z.input<typeof dictOptionsSchema>;

export const scanOptionsSchema = z.object({ count: scanCountSchema.optional() }).strict();
/** Options of `keys`, `values`, `entries` and `pages`. */
export type ScanOptions = z.input<typeof scanOptionsSchema>;
