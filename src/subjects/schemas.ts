/**
 * What the subjects capability accepts as prefix, subject name and property name, and the
 * KRules layout those names map to.
 */

import * as z from "zod";
import { isWellFormed, NOT_WELL_FORMED } from "../core/unicode.js";
import { abortSignalSchema, durationMsSchema } from "../core/validation.js";

/** Whether `s` holds a control character (U+0000–U+001F, U+007F). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

// Braces would let a name choose another hash slot; control characters make keys unreadable in
// tools and logs. Both rules follow the ones for every redge key part.
function badKeyPart(s: string): boolean {
  return s.includes("{") || s.includes("}") || hasControl(s);
}

/**
 * The key prefix of a subject store, e.g. `myapp:` (may be empty, as in KRules). It follows the
 * client's `keyPrefix`: `s:<keyPrefix><prefix><subject>`.
 */
export const subjectPrefixSchema = z
  .string()
  .max(200, "must be at most 200 characters")
  .refine((s) => !badKeyPart(s), "must not contain '{', '}' or control characters")
  .refine(isWellFormed, NOT_WELL_FORMED);

/** A subject's name, e.g. `user|42` or `device:abc`. */
export const subjectNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(512, "must be at most 512 characters")
  .refine((s) => !badKeyPart(s), "must not contain '{', '}' or control characters")
  .refine(isWellFormed, NOT_WELL_FORMED);

/** A property's name. It becomes a hash field, never a key part, so braces are harmless here. */
export const propNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(512, "must be at most 512 characters")
  .refine((s) => !hasControl(s), "must not contain control characters")
  .refine(isWellFormed, NOT_WELL_FORMED);

export const subjectsOptionsSchema = z.object({ prefix: subjectPrefixSchema.default("") }).strict();
export type SubjectsOptions = z.input<typeof subjectsOptionsSchema>;

export const propOptionsSchema = z
  .object({
    /** An extended property (KRules `e<name>` field) instead of a default one (`p<name>`). */
    extended: z.boolean().optional(),
  })
  .strict();
export type PropOptions = z.input<typeof propOptionsSchema>;

export const setOptionsSchema = propOptionsSchema
  .extend({
    /**
     * The call's deadline in ms (default: the client's `commandTimeoutMs`). A function `set`
     * retries lost races until then, as KRules retries until it wins.
     */
    timeoutMs: durationMsSchema.optional(),
    /** Stop (AbortedError) when this fires: waiting for a turn, between rounds, or a command. */
    signal: abortSignalSchema.optional(),
    /**
     * For a function value: give up with a ConflictError after this many compare-and-set rounds
     * even before the deadline (default: no limit but the deadline).
     */
    attempts: z.number().int("must be a whole number").min(1).max(1_000_000).optional(),
  })
  .strict();
export type SetOptions = z.input<typeof setOptionsSchema>;
