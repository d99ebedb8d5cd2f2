/**
 * A stream's retry policy as set-options.lua stores it in the meta hash (`ma`, `bt`, `bd`, `bm`,
 * `bj`: strings, "" for a field not set) and back. Numbers are written with `String()`, so the
 * same options always give the same text and "ensure" can compare them field by field.
 */
import type { StreamOptions } from "./schemas.js";

/** The options as stored: what `info()` reports and a mismatch error shows. */
export interface StoredOptions {
  maxAttempts?: number;
  backoff?: {
    type: "exponential" | "fixed";
    delayMs: number;
    maxDelayMs?: number;
    jitter?: number;
  };
}

const opt = (n: number | undefined) => (n === undefined ? "" : String(n));

/** set-options.lua's ARGV 2–6 for these (validated) options. */
export function encodeStreamOptions(options: StreamOptions): string[] {
  const b = options.backoff;
  return [
    opt(options.maxAttempts),
    b ? (b.type === "exponential" ? "e" : "f") : "",
    opt(b?.delayMs),
    opt(b?.maxDelayMs),
    opt(b?.jitter),
  ];
}

/** The stored fields (maxAttempts, type, delay, largest delay, jitter) as options. */
export function decodeStreamOptions(fields: readonly string[]): StoredOptions {
  const [maxAttempts = "", type = "", delay = "", maxDelay = "", jitter = ""] = fields;
  const out: StoredOptions = {};
  if (maxAttempts !== "") out.maxAttempts = Number(maxAttempts);
  if (type !== "") {
    out.backoff = { type: type === "e" ? "exponential" : "fixed", delayMs: Number(delay || 0) };
    if (maxDelay !== "") out.backoff.maxDelayMs = Number(maxDelay);
    if (jitter !== "") out.backoff.jitter = Number(jitter);
  }
  return out;
}
