/**
 * Text that cannot travel to Redis unchanged. Redis stores bytes; a JavaScript string with a lone
 * surrogate ("\ud800") has no UTF-8 form, so encoding it substitutes U+FFFD and "\ud800",
 * "\udfff" and "\ufffd" would all become the same key or field. Such text is refused instead.
 * Edge-safe.
 */

// In a `u` regex a surrogate pair is one code point, so \p{Cs} matches lone surrogates only.
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether `text` has a UTF-8 form (no lone surrogate). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export const NOT_WELL_FORMED =
  "must be valid Unicode text (it holds a lone surrogate, which has no UTF-8 form)";
