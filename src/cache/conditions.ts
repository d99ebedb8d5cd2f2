/**
 * `cacheIf`: whether a call may use the cache at all. Either a predicate over the arguments, or
 * declarative conditions, OR-ed: the call is cached when at least one holds. Two shapes:
 *
 * The seed's own (dtpyfw `cache_only_for`): `{ kwarg, operator, value }`, with the operators its
 * users write: `in`, `not in`, `==`, `!=`, `>`, `>=`, `<`, `<=`. `kwarg` names a parameter of the
 * wrapped function, as a Python keyword argument does: `reportType` in
 * `function report(reportType, day)` is the first argument, and in `({ reportType, day }) => …`
 * a field of the first argument; dots go deeper (`filter.kind`). The names are read from the
 * function's source when `wrap` is called (see params.ts), or from the `argNames` option; a
 * `kwarg` the function does not take is a ValidationError then, not a condition that silently
 * never holds.
 *
 * redge's: `{ arg, <test>: value }` with exactly one test: `in`, `notIn`, `eq`, `ne`, `gt`,
 * `gte`, `lt`, `lte`. A number `arg` is a positional argument; a string names a field of the
 * first plain-object argument (dots going deeper), whatever the parameters are called.
 *
 * Comparisons: `in` / `==` compare primitives with `===` and objects or arrays by content
 * (canonical JSON), so `{ eq: { a: 1 } }` works. The ordering operators hold only between two
 * numbers or two strings (strings in code-unit order); anything else (a missing argument, a
 * string against a number) does not hold, so the call is not cached. A missing argument or field
 * reads as `undefined`: it is in no `in` list, so `not in` / `notIn` hold for it.
 */
import * as z from "zod";
import { ValidationError } from "../core/errors.js";
import { canonicalJson, isPlainObject } from "./canonical.js";
import { type Param, parameterList } from "./params.js";

export const argRefSchema = z.union([
  z.number().int("must be a whole number").nonnegative("must be ≥ 0"),
  z.string().min(1, "must not be empty"),
]);

/** redge's tests, and the seed operator each one is. */
const TESTS = {
  in: "in",
  notIn: "not in",
  eq: "==",
  ne: "!=",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
} as const;
type Test = keyof typeof TESTS;
type Operator = (typeof TESTS)[Test];

export const SEED_OPERATORS = Object.values(TESTS) as Operator[];
const OPERATOR_TEST = Object.fromEntries(
  Object.entries(TESTS).map(([test, operator]) => [operator, test]),
) as Record<Operator, Test>;

const listSchema = z.array(z.unknown());
const orderedSchema = z.union([z.number().refine(Number.isFinite), z.string()], {
  error: "must be a finite number or a string (what >, >=, <, <= compare)",
});

/** What each test compares against. */
function valueSchema(test: Test): z.ZodType {
  if (test === "in" || test === "notIn") return listSchema;
  if (test === "eq" || test === "ne") return z.unknown();
  return orderedSchema;
}

const redgeConditionSchema = z
  .object({
    arg: argRefSchema,
    in: listSchema.optional(),
    notIn: listSchema.optional(),
    eq: z.unknown().optional(),
    ne: z.unknown().optional(),
    gt: orderedSchema.optional(),
    gte: orderedSchema.optional(),
    lt: orderedSchema.optional(),
    lte: orderedSchema.optional(),
  })
  .strict()
  .superRefine((condition, ctx) => {
    const tests = Object.keys(TESTS).filter((name) => name in condition);
    if (tests.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `needs exactly one of ${Object.keys(TESTS).join(", ")} (got ${tests.length === 0 ? "none" : tests.join(", ")})`,
      });
    }
  });

const seedConditionSchema = z
  .object({
    kwarg: z.string({ error: "must be the name of an argument" }).min(1, "must not be empty"),
    operator: z.enum(SEED_OPERATORS as [Operator, ...Operator[]], {
      error: `must be one of ${SEED_OPERATORS.map((o) => `"${o}"`).join(", ")}`,
    }),
    value: z.unknown(),
  })
  .strict()
  .superRefine((condition, ctx) => {
    if (!("value" in condition)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "is required" });
      return;
    }
    const test = OPERATOR_TEST[condition.operator];
    if (test === undefined) return;
    const result = valueSchema(test).safeParse(condition.value);
    if (!result.success) {
      const message =
        test === "in" || test === "notIn"
          ? `must be a list for "${condition.operator}"`
          : (result.error.issues[0]?.message ?? "is invalid");
      ctx.addIssue({ code: "custom", path: ["value"], message });
    }
  });

/** redge's shape: `{ arg, in | notIn | eq | ne | gt | gte | lt | lte }`. */
export type RedgeCacheCondition = z.input<typeof redgeConditionSchema>;
/** The seed's shape (dtpyfw `cache_only_for`): `{ kwarg, operator, value }`. */
export interface SeedCacheCondition {
  kwarg: string;
  operator: Operator;
  value: unknown;
}
/** One declarative `cacheIf` condition, in either shape. */
export type CacheCondition = RedgeCacheCondition | SeedCacheCondition;

/** Either shape; a condition with `kwarg` is read as the seed's, so its issues name its fields. */
export const cacheConditionSchema = z.custom<CacheCondition>().superRefine((value, ctx) => {
  const seed = typeof value === "object" && value !== null && "kwarg" in value;
  const result = (seed ? seedConditionSchema : redgeConditionSchema).safeParse(value);
  if (result.success) return;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  }
});

export const cacheConditionsSchema = z
  .array(cacheConditionSchema)
  .min(1, "needs at least one condition");

/** Names of the wrapped function's positional parameters, when its source cannot tell them. */
export const argNamesSchema = z
  .array(z.string().regex(/^[A-Za-z_$][\w$]*$/, "must be a parameter name"))
  .min(1, "must name at least one parameter");

type Read = (args: readonly unknown[]) => unknown;

/**
 * Compiles conditions into one predicate over the argument list. `fn` (and `argNames`, which
 * wins over its source) tell which argument a seed condition's `kwarg` names.
 *
 * @throws ValidationError (path `cacheIf.<n>.kwarg`) for a `kwarg` the function does not take.
 */
export function compileConditions(
  conditions: readonly CacheCondition[],
  fn?: (...args: never[]) => unknown,
  argNames?: readonly string[],
): (args: readonly unknown[]) => boolean {
  let params: Param[] | undefined | null = null;
  const paramsOf = () => {
    if (params === null) {
      params = argNames ? argNames.map((name) => ({ name })) : fn ? parameterList(fn) : undefined;
    }
    return params;
  };
  const issues: { path: string; message: string }[] = [];
  const tests = conditions.map((condition, i) => {
    if ("kwarg" in condition) {
      const read = kwargReader(condition.kwarg, paramsOf());
      if (typeof read === "string") {
        issues.push({ path: `cacheIf.${i}.kwarg`, message: read });
        return () => false;
      }
      return compare(read, OPERATOR_TEST[condition.operator], condition.value);
    }
    const test = (Object.keys(TESTS) as Test[]).find((name) => name in condition) ?? "eq";
    return compare(argReader(condition.arg), test, condition[test]);
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return (args) => tests.some((test) => test(args));
}

function compare(read: Read, test: Test, expected: unknown): (args: readonly unknown[]) => boolean {
  switch (test) {
    case "in": {
      const list = expected as readonly unknown[];
      return (args) => includes(list, read(args));
    }
    case "notIn": {
      const list = expected as readonly unknown[];
      return (args) => !includes(list, read(args));
    }
    case "eq":
      return (args) => same(read(args), expected);
    case "ne":
      return (args) => !same(read(args), expected);
    default:
      return (args) => ordered(read(args), test, expected as number | string);
  }
}

/** redge's `arg`: a position, or a field path in the first plain-object argument. */
function argReader(arg: number | string): Read {
  if (typeof arg === "number") return (args) => args[arg];
  const path = arg.split(".");
  return (args) => dig(args.find(isPlainObject), path);
}

/**
 * The seed's `kwarg`: a parameter's name, or a field of a destructured parameter, then dots
 * going deeper. Returns the reason as a string when the function does not take it.
 */
function kwargReader(kwarg: string, params: Param[] | undefined): Read | string {
  const [head = "", ...rest] = kwarg.split(".");
  if (params === undefined) {
    return `cannot tell which argument "${head}" is: the wrapped function's parameters cannot be read from its source (native or bound function); name them with the argNames option, or use { arg: <position> }`;
  }
  const index = params.findIndex((p) => p.name === head && !p.rest);
  if (index !== -1) return (args) => dig(args[index], rest);
  const field = params.findIndex((p) => p.fields?.includes(head));
  if (field !== -1) return (args) => dig(args[field], [head, ...rest]);
  const taken = params.flatMap((p) =>
    p.rest ? [`...${p.name ?? ""}`] : p.name ? [p.name] : (p.fields ?? []),
  );
  const takes = taken.length === 0 ? "it takes no named arguments" : `it takes ${taken.join(", ")}`;
  return `"${head}" is not an argument of the wrapped function (${takes}); if its code is minified, name the parameters with the argNames option`;
}

function dig(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const field of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[field];
  }
  return current;
}

function includes(list: readonly unknown[], value: unknown): boolean {
  return list.some((item) => same(item, value));
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return canonicalJson(a) === canonicalJson(b);
}

function ordered(actual: unknown, test: Test, expected: number | string): boolean {
  if (typeof actual !== typeof expected) return false;
  if (typeof actual === "number" && Number.isNaN(actual)) return false;
  const a = actual as number | string;
  if (test === "gt") return a > expected;
  if (test === "gte") return a >= expected;
  if (test === "lt") return a < expected;
  return a <= expected;
}
