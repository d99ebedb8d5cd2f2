/**
 * Parsing of request bodies: one command (`["SET","k","v"]`) for `/`, a list of them for
 * `/pipeline` and `/multi-exec`. The official client sends strings, numbers and booleans (its
 * serializer keeps those as JSON scalars); Redis only knows strings, so they are converted here.
 */
import { isWellFormed } from "../core/unicode.js";

export type ParsedCommand = string[];

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
function toArgument(value: unknown): string | null | undefined {
  switch (typeof value) {
    case "string":
      return isWellFormed(value) ? value : null;
    case "number":
      // JSON cannot carry NaN or Infinity, so every number here is finite.
      return String(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      return undefined;
  }
}

/** Validates one command; `position` (1-based) names it inside a pipeline in messages. */
export function parseCommand(value: unknown, position?: number): ParseResult<ParsedCommand> {
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
export function parseCommandList(value: unknown): ParseResult<ParsedCommand[]> {
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
