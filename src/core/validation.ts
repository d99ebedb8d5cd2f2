/**
 * Input validation shared by every capability: zod schemas for names that become key parts, and
 * one way to turn a zod failure into a ValidationError naming each bad field.
 */
import * as z from "zod";
import { ValidationError } from "./errors.js";
import { isWellFormed, NOT_WELL_FORMED } from "./unicode.js";

// Braces would let a name pick another hash slot or collide with another tenant's keys;
// control characters make keys unreadable in tools and logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const FORBIDDEN = /[{}\u0000-\u001f\u007f]/;

/** A name that becomes part of a Redis key (stream, namespace, dict, subject prefix...). */
export const keyNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .refine((s) => !FORBIDDEN.test(s), "must not contain '{', '}' or control characters")
  .refine(isWellFormed, NOT_WELL_FORMED);

/** An item id stored inside a structure (hash field, sorted-set member). */
export const itemIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(512, "must be at most 512 characters")
  .refine((s) => !FORBIDDEN.test(s), "must not contain '{', '}' or control characters")
  .refine(isWellFormed, NOT_WELL_FORMED);

/**
 * Text stored as it is (not as JSON): a lone surrogate has no UTF-8 form, so Redis would get
 * U+FFFD in its place and the value would come back changed.
 */
export const rawTextSchema = z.string().refine(isWellFormed, NOT_WELL_FORMED);

/** A finite number (NaN and ±Infinity rejected). */
export const finiteNumberSchema = z.number().refine(Number.isFinite, "must be a finite number");

/** A duration in milliseconds: a positive whole number. */
export const durationMsSchema = z
  .number()
  .int("must be a whole number of ms")
  .positive()
  .max(2 ** 45);

/**
 * Whether `value` is an AbortSignal, by its shape. Not `instanceof`: the runtime may hand over a
 * signal from another realm (the edge-runtime VM's requests carry the host's), whose class is not
 * this realm's `AbortSignal` although it is one in every way that matters.
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof value !== "object" || value === null) return false;
  const signal = value as Partial<AbortSignal>;
  return (
    typeof signal.aborted === "boolean" &&
    typeof signal.addEventListener === "function" &&
    typeof signal.removeEventListener === "function"
  );
}

/** An AbortSignal (from any realm), checked by its shape. */
export const abortSignalSchema = z.custom<AbortSignal>(isAbortSignal, {
  message: "must be an AbortSignal",
});

/**
 * Parses `value` with `schema`; on failure throws one ValidationError listing every bad field,
 * each path prefixed with `path` (the argument's name), e.g. `items.3.priority`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, path = ""): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: [path, ...issue.path.map(String)].filter((p) => p !== "").join("."),
      message: issue.message,
    })),
  );
}

/**
 * How deep a value may nest (arrays and objects). Deeper values are refused before any work:
 * recursive code (zod's JSON schema, key canonicalisation, JSON.stringify) would otherwise fail
 * with a RangeError somewhere past a few thousand levels, and no real record needs 256.
 */
export const MAX_NESTING_DEPTH = 256;

export const TOO_DEEP = `must not nest deeper than ${MAX_NESTING_DEPTH} levels`;

/** Whether `value` nests deeper than `max` levels; iterative, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, max = MAX_NESTING_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  const stack: [unknown, number][] = [[value, 1]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    if (depth > max) return true;
    // Cycles are someone else's error to report (JSON cannot hold them); stop walking them here.
    seen.add(current);
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** `schema`, after a depth check that runs first, so a deep value never reaches recursive code. */
export function depthLimited<S extends z.ZodType>(schema: S) {
  return z
    .unknown()
    .check((ctx) => {
      if (nestsDeeperThan(ctx.value)) {
        ctx.issues.push({ code: "custom", message: TOO_DEEP, input: ctx.value, continue: false });
      }
    })
    .pipe(schema);
}
