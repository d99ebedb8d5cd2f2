/**
 * Parsing of request bodies: one command (`["SET","k","v"]`) for `/`, a list of them for
 * `/pipeline` and `/multi-exec`. The official client sends strings, numbers and booleans (its
 * serializer keeps those as JSON scalars); Redis only knows strings, so they are converted here.
 *
 * Numbers reach Redis as the client wrote them: `JSON.parse` reads them as doubles, exact for the
 * integers up to 2^53 and for short decimals, whose text `String()` gives back. When a body holds
 * any other number (9007199254740993, 1e400, 0.1000000000000000055) it is parsed again by
 * json-exact.ts, which keeps each number's digits, so nothing is rounded on the way to Redis. The
 * common body pays nothing for it.
 */
import { isWellFormed } from "../core/unicode.js";
import { ExactNumber, parseJsonExact } from "./json-exact.js";

export type ParsedCommand = string[];

/** Whether `JSON.parse` surely kept a number as written (bar a trailing `.0` or such). */
function readExactly(value: number): boolean {
  if (Number.isSafeInteger(value)) return true;
  // Beyond 2^53, or beyond the doubles (1e400 reads as Infinity).
  if (Number.isInteger(value) || !Number.isFinite(value)) return false;
  // Up to 15 significant digits a double gives back the decimal it was read from; 16 characters
  // with the point hold at most 15 digits (fewer with a sign or leading zeros: a cautious bound).
  const text = String(value);
  return text.length <= 16 && !text.includes("e");
}

/** A number `JSON.parse` may have rounded: the body must be parsed again, keeping digits. */
const INEXACT = Symbol("inexact number");

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Parses the JSON text of a body; the message never quotes the body (it may hold secrets). */
export function parseJson(text: string): ParseResult<unknown> {
  if (text.trim() === "") return { ok: false, message: "ERR the request body is empty" };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: "ERR the request body is not valid JSON" };
  }
}

/** An argument as Redis will get it; `null` for a string without a UTF-8 form. */
function toArgument(value: unknown): string | null | undefined | typeof INEXACT {
  switch (typeof value) {
    case "string":
      return isWellFormed(value) ? value : null;
    case "number":
      return readExactly(value) ? String(value) : INEXACT;
    case "boolean":
      return value ? "true" : "false";
    default:
      return value instanceof ExactNumber ? value.text : undefined;
  }
}

type Parsed<T> = ParseResult<T> | { ok: false; inexact: true; message: string };

/**
 * Parses a body and validates it with `validate`; a body holding a number `JSON.parse` may have
 * rounded is parsed again with its numbers' digits kept.
 */
function parseBody<T>(text: string, validate: (value: unknown) => Parsed<T>): ParseResult<T> {
  const json = parseJson(text);
  if (!json.ok) return json;
  const first = validate(json.value);
  if (first.ok || !("inexact" in first)) return first;
  const exact = parseJsonExact(text);
  if (!exact.ok) return { ok: false, message: "ERR the request body is not valid JSON" };
  const second = validate(exact.value);
  return second.ok || !("inexact" in second) ? second : { ok: false, message: second.message };
}

/** The body of `/`: one command. */
export function parseCommandBody(text: string): ParseResult<ParsedCommand> {
  return parseBody(text, (value) => parseCommand(value));
}

/** The body of `/pipeline` and `/multi-exec`: a non-empty list of commands. */
export function parseCommandListBody(text: string): ParseResult<ParsedCommand[]> {
  return parseBody(text, parseCommandList);
}

/** Validates one command; `position` (1-based) names it inside a pipeline in messages. */
export function parseCommand(value: unknown, position?: number): Parsed<ParsedCommand> {
  const where = position === undefined ? "" : `command ${position}: `;
  if (!Array.isArray(value)) {
    return {
      ok: false,
      message: `ERR ${where}a command must be a JSON array such as ["SET","key","value"]`,
    };
  }
  if (value.length === 0) return { ok: false, message: `ERR ${where}the command is empty` };
  const command: string[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const argument = toArgument(value[i]);
    if (argument === INEXACT) {
      return { ok: false, inexact: true, message: `ERR ${where}argument ${i} is a rounded number` };
    }
    if (argument === null) {
      return {
        ok: false,
        message: `ERR ${where}argument ${i} holds a lone surrogate (\\ud800-\\udfff), which has no UTF-8 form; Redis would store U+FFFD instead`,
      };
    }
    if (argument === undefined) {
      return {
        ok: false,
        message: `ERR ${where}argument ${i} must be a string, a number or a boolean`,
      };
    }
    command[i] = argument;
  }
  if (command[0]!.trim() === "") {
    return { ok: false, message: `ERR ${where}the command name is empty` };
  }
  return { ok: true, value: command };
}

/** Validates the body of `/pipeline` or `/multi-exec`: a non-empty array of commands. */
export function parseCommandList(value: unknown): Parsed<ParsedCommand[]> {
  if (!Array.isArray(value)) {
    return {
      ok: false,
      message:
        'ERR the body must be a JSON array of commands such as [["SET","k","v"],["GET","k"]]',
    };
  }
  if (value.length === 0) return { ok: false, message: "ERR the list of commands is empty" };
  const commands: ParsedCommand[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const parsed = parseCommand(value[i], i + 1);
    if (!parsed.ok) return parsed;
    commands[i] = parsed.value;
  }
  return { ok: true, value: commands };
}
