/**
 * `cacheIf`: whether a call may use the cache at all. Either a predicate over the arguments, or
 * the seed's declarative conditions, OR-ed: the call is cached when at least one holds.
 *
 * A condition names the value it looks at with `arg`:
 * - a number is a positional argument: `{ arg: 0, in: ["daily"] }` looks at the first argument;
 * - a string is a field of the first plain-object argument (the usual `fn({ ... })` shape), dots
 *   going deeper: `{ arg: "report.type", eq: "daily" }`. No object argument, or no such field,
 *   reads as `undefined`.
 * Each condition has exactly one test: `in` (the value is one of these), `notIn` (none of these;
 * true for a missing value) or `eq` (equal to this). Primitives compare with `===`; objects and
 * arrays compare by content (canonical JSON), so `{ eq: { a: 1 } }` works.
 */
import * as z from "zod";
import { canonicalJson, isPlainObject } from "./canonical.js";

export const argRefSchema = z.union([
  z.number().int("must be a whole number").nonnegative("must be ≥ 0"),
  z.string().min(1, "must not be empty"),
]);

export const cacheConditionSchema = z
  .object({
    arg: argRefSchema,
    in: z.array(z.unknown()).optional(),
    notIn: z.array(z.unknown()).optional(),
    eq: z.unknown().optional(),
  })
  .strict()
  .superRefine((condition, ctx) => {
    const tests = ["in", "notIn", "eq"].filter((name) => name in condition);
    if (tests.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `needs exactly one of in, notIn, eq (got ${tests.length === 0 ? "none" : tests.join(", ")})`,
      });
    }
  });

export const cacheConditionsSchema = z
  .array(cacheConditionSchema)
  .min(1, "needs at least one condition");

/** One declarative `cacheIf` condition. */
export type CacheCondition = z.input<typeof cacheConditionSchema>;

/** Compiles conditions into one predicate over the argument list. */
export function compileConditions(
  conditions: readonly CacheCondition[],
): (args: readonly unknown[]) => boolean {
  const tests = conditions.map((condition) => {
    const read = reader(condition.arg);
    if ("in" in condition) {
      const allowed = condition.in ?? [];
      return (args: readonly unknown[]) => includes(allowed, read(args));
    }
    if ("notIn" in condition) {
      const refused = condition.notIn ?? [];
      return (args: readonly unknown[]) => !includes(refused, read(args));
    }
    const expected = condition.eq;
    return (args: readonly unknown[]) => same(read(args), expected);
  });
  return (args) => tests.some((test) => test(args));
}

function reader(arg: number | string): (args: readonly unknown[]) => unknown {
  if (typeof arg === "number") return (args) => args[arg];
  const path = arg.split(".");
  return (args) => {
    let value: unknown = args.find(isPlainObject);
    for (const field of path) {
      if (typeof value !== "object" || value === null) return undefined;
      value = (value as Record<string, unknown>)[field];
    }
    return value;
  };
}

function includes(list: readonly unknown[], value: unknown): boolean {
  return list.some((item) => same(item, value));
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return canonicalJson(a) === canonicalJson(b);
}
