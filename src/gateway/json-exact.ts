/**
 * A JSON parser that keeps every number as the text the client wrote (`ExactNumber`), for the
 * request bodies where `JSON.parse` would round one: an integer beyond 2^53 (an INCRBY by
 * 9007199254740993, a snowflake id sent as a number) reaches Redis with its exact digits.
 *
 * Node 20's `JSON.parse` has no reviver `context.source`, hence this hand parser. It is only the
 * slow path: request.ts parses with `JSON.parse` first and comes here only when a number could
 * have changed. Strings are handed to `JSON.parse` one by one, so escapes and the refusal of
 * control characters are exactly JSON's. Nesting is bounded (the body limits' 256 levels).
 */

/** A JSON number, as written. */
export class ExactNumber {
  constructor(readonly text: string) {}
}

export type ExactJson =
  | string
  | boolean
  | null
  | ExactNumber
  | ExactJson[]
  | { readonly [key: string]: ExactJson };

const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Invalid extends Error {}

export function parseJsonExact(text: string): { ok: true; value: ExactJson } | { ok: false } {
  let at = 0;

  const space = () => {
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else return;
    }
  };

  const string = (): string => {
    const start = at;
    at++;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c)) throw new Invalid();
      if (c === 0x22) break;
      at += c === 0x5c ? 2 : 1;
    }
    at++;
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      throw new Invalid();
    }
  };

  const literal = (word: string, value: boolean | null) => {
    if (!text.startsWith(word, at)) throw new Invalid();
    at += word.length;
    return value;
  };

  const value = (depth: number): ExactJson => {
    if (depth > MAX_DEPTH) throw new Invalid();
    space();
    const c = text[at];
    switch (c) {
      case "[": {
        at++;
        const items: ExactJson[] = [];
        space();
        if (text[at] === "]") {
          at++;
          return items;
        }
        for (;;) {
          items.push(value(depth + 1));
          space();
          if (text[at] === ",") at++;
          else if (text[at] === "]") {
            at++;
            return items;
          } else throw new Invalid();
        }
      }
      case "{": {
        at++;
        const object: Record<string, ExactJson> = {};
        space();
        if (text[at] === "}") {
          at++;
          return object;
        }
        for (;;) {
          space();
          if (text[at] !== '"') throw new Invalid();
          const key = string();
          space();
          if (text[at] !== ":") throw new Invalid();
          at++;
          object[key] = value(depth + 1);
          space();
          if (text[at] === ",") at++;
          else if (text[at] === "}") {
            at++;
            return object;
          } else throw new Invalid();
        }
      }
      case '"':
        return string();
      case "t":
        return literal("true", true);
      case "f":
        return literal("false", false);
      case "n":
        return literal("null", null);
      default: {
        NUMBER.lastIndex = at;
        const match = NUMBER.exec(text);
        if (!match) throw new Invalid();
        at += match[0].length;
        return new ExactNumber(match[0]);
      }
    }
  };

  try {
    const parsed = value(0);
    space();
    if (at !== text.length) return { ok: false };
    return { ok: true, value: parsed };
  } catch (error) {
    if (error instanceof Invalid || error instanceof RangeError) return { ok: false };
    throw error;
  }
}
