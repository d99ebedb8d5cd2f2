/**
 * The JSON text both capabilities store, readable by Python's `json` module and by `JSON.parse`.
 *
 * Writing emits standard JSON (what `JSON.stringify` gives, which Python's `json.loads` reads),
 * after checking that the value survives the trip: `NaN`, `±Infinity`, `BigInt`, functions and
 * `undefined` are rejected instead of being turned into `null` or dropped behind the caller's back.
 *
 * Reading accepts everything Python's `json.dumps` writes by default, including the non-standard
 * `NaN`, `Infinity` and `-Infinity` tokens (`allow_nan=True`), which `JSON.parse` refuses.
 */

import { MAX_NESTING_DEPTH, TOO_DEEP } from "./validation.js";

export type JsonIssue = { path: string; message: string };

/** Encodes `value` as JSON text, or returns the issues that make it unsafe to store. */
export function encodeJson(
  value: unknown,
): { ok: true; text: string } | { ok: false; issues: JsonIssue[] } {
  const issues: JsonIssue[] = [];
  check(value, [], issues, new Set());
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, text: JSON.stringify(value) };
}

function check(value: unknown, path: string[], issues: JsonIssue[], seen: Set<object>): void {
  const at = path.join(".");
  if (path.length >= MAX_NESTING_DEPTH && typeof value === "object" && value !== null) {
    // Deeper values are refused here, before this recursion or JSON.stringify's can overflow.
    issues.push({ path: "", message: TOO_DEEP });
    return;
  }
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) issues.push({ path: at, message: `${value} is not valid JSON` });
      return;
    case "object": {
      if (value === null) return;
      // toJSON (Date, custom classes) decides what is written; check that instead.
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        check(
          (toJSON as (key: string) => unknown).call(value, path.at(-1) ?? ""),
          path,
          issues,
          seen,
        );
        return;
      }
      if (seen.has(value)) {
        issues.push({ path: at, message: "is a circular reference" });
        return;
      }
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          check(item, [...path, String(i)], issues, seen);
        });
      } else {
        for (const [key, item] of Object.entries(value)) {
          // JSON.stringify leaves out undefined properties, as a JS reader expects.
          if (item === undefined) continue;
          check(item, [...path, key], issues, seen);
        }
      }
      seen.delete(value);
      return;
    }
    default:
      // undefined, bigint, function, symbol: JSON.stringify drops them, writes null or throws.
      issues.push({ path: at, message: `${typeof value} values cannot be stored as JSON` });
  }
}

const NON_FINITE = /NaN|Infinity/;

/**
 * Parses stored JSON text. Throws a SyntaxError when the text is not JSON (the callers wrap it in
 * an error naming the key).
 */
export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!NON_FINITE.test(text)) throw error;
    return parseWithNonFinite(text);
  }
}

/**
 * Python writes `NaN`, `Infinity` and `-Infinity` as bare tokens. Outside strings they are
 * replaced by marker strings, parsed, and turned back into numbers. A stored string could equal
 * a marker; then more markers come back than were put in, and the parse is redone with a longer
 * one.
 */
function parseWithNonFinite(text: string): unknown {
  for (let marker = "\u0000redge-nonfinite:"; ; marker += "\u0000") {
    let inserted = 0;
    let out = "";
    let i = 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') {
        // Copy the string literal as is, escapes included.
        let j = i + 1;
        while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
        out += text.slice(i, j + 1);
        i = j + 1;
        continue;
      }
      const token = NON_FINITE_TOKENS.find(([t]) => text.startsWith(t, i));
      if (token) {
        out += JSON.stringify(marker + token[0]);
        inserted++;
        i += token[0].length;
        continue;
      }
      out += ch;
      i++;
    }
    let replaced = 0;
    const result: unknown = JSON.parse(out, (_key, value: unknown) => {
      if (typeof value !== "string" || !value.startsWith(marker)) return value;
      const token = NON_FINITE_TOKENS.find(([t]) => value === marker + t);
      if (!token) return value;
      replaced++;
      return token[1];
    });
    if (replaced === inserted) return result;
  }
}

const NON_FINITE_TOKENS: readonly (readonly [string, number])[] = [
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["NaN", Number.NaN],
];
