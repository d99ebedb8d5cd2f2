/**
 * Canonical text of a function's arguments, hashed into the cache key.
 *
 * The text is JSON with object keys sorted at every depth, so `{ a, b }` and `{ b, a }` give the
 * same key. Undefined follows JSON: an object field holding `undefined` is the same as an absent
 * field, an array element or a positional argument holding `undefined` reads as `null`, and
 * trailing `undefined` arguments are dropped (`f(1)` and `f(1, undefined)` share a key).
 * Beyond JSON (the text is only hashed, never parsed): a bigint is written `12n`, a Map as
 * `{"$map":[[k,v],…]}` sorted by key and a Set as `{"$set":[…]}` sorted, so they do not all
 * collapse to `{}` as JSON.stringify would make them. Dates (and anything with `toJSON`) use
 * their JSON form. Circular arguments cannot be keyed and throw a ValidationError.
 */
import { ValidationError } from "../core/errors.js";
import { MAX_NESTING_DEPTH, nestsDeeperThan, TOO_DEEP } from "../core/validation.js";

export interface SkipArgs {
  /** Fields left out of every plain-object argument (top level), e.g. a db session. */
  readonly fields: ReadonlySet<string>;
  /** Positional arguments left out (keyed as if they were `undefined`). */
  readonly indexes: ReadonlySet<number>;
}

export const NO_SKIP: SkipArgs = { fields: new Set(), indexes: new Set() };

/** The canonical text of an argument list, honouring `skip`. */
export function canonicalArgs(args: readonly unknown[], skip: SkipArgs = NO_SKIP): string {
  // The writer below recurses; a value nested thousands deep would end in a RangeError.
  if (nestsDeeperThan(args, MAX_NESTING_DEPTH + 1)) {
    throw new ValidationError([{ path: "arguments", message: TOO_DEEP }]);
  }
  let end = args.length;
  while (end > 0 && (args[end - 1] === undefined || skip.indexes.has(end - 1))) end--;
  const seen: object[] = [];
  let text = "[";
  for (let i = 0; i < end; i++) {
    if (i > 0) text += ",";
    if (skip.indexes.has(i)) {
      text += "null";
      continue;
    }
    const arg = args[i];
    text +=
      skip.fields.size > 0 && isPlainObject(arg)
        ? writeObject(arg, seen, skip.fields)
        : (write(arg, seen) ?? "null");
  }
  return `${text}]`;
}

/** The canonical text of one value (see the module comment). */
export function canonicalJson(value: unknown): string {
  if (nestsDeeperThan(value)) throw new ValidationError([{ path: "", message: TOO_DEEP }]);
  return write(value, []) ?? "null";
}

/** `undefined` when the value has no JSON form (undefined, functions, symbols). */
function write(value: unknown, seen: object[]): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return `${value}n`;
    case "object":
      if (value === null) return "null";
      return writeObjectLike(value, seen);
    default:
      return undefined;
  }
}

function writeObjectLike(value: object, seen: object[]): string | undefined {
  if (seen.includes(value)) {
    throw new ValidationError([
      { path: "args", message: "circular arguments cannot be part of a cache key" },
    ]);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return write(toJSON.call(value), seen);
  seen.push(value);
  try {
    if (Array.isArray(value)) {
      let text = "[";
      for (let i = 0; i < value.length; i++) {
        if (i > 0) text += ",";
        text += write(value[i], seen) ?? "null";
      }
      return `${text}]`;
    }
    if (value instanceof Map) {
      const entries = [...value].map(
        ([k, v]) => `[${write(k, seen) ?? "null"},${write(v, seen) ?? "null"}]`,
      );
      return `{"$map":[${entries.sort().join(",")}]}`;
    }
    if (value instanceof Set) {
      const items = [...value].map((v) => write(v, seen) ?? "null");
      return `{"$set":[${items.sort().join(",")}]}`;
    }
    return writeObject(value as Record<string, unknown>, seen, undefined, false);
  } finally {
    seen.pop();
  }
}

function writeObject(
  value: Record<string, unknown>,
  seen: object[],
  skip?: ReadonlySet<string>,
  track = true,
): string {
  if (track) {
    if (seen.includes(value)) {
      throw new ValidationError([
        { path: "args", message: "circular arguments cannot be part of a cache key" },
      ]);
    }
    seen.push(value);
  }
  try {
    const keys = Object.keys(value).sort();
    let text = "{";
    let first = true;
    for (const key of keys) {
      if (skip?.has(key)) continue;
      const field = write(value[key], seen);
      if (field === undefined) continue;
      if (!first) text += ",";
      first = false;
      text += `${JSON.stringify(key)}:${field}`;
    }
    return `${text}}`;
  } finally {
    if (track) seen.pop();
  }
}

/** A non-null, non-array object whose fields are the data (not a Date, Map, Set…). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
