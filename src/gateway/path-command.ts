/**
 * Path-style commands, as Upstash documents them: `/set/foo/bar` is `SET foo bar`,
 * `/set/foo/bar/EX/100` is `SET foo bar EX 100`. Each path segment is one argument, URL-decoded
 * (`%2F` is a slash inside an argument, `/` separates arguments). A POST or PUT body is appended
 * as the last argument byte for byte — Upstash's binary-safe write (`POST /set/foo` with the
 * value as body) — and query parameters come after it, name then value (`POST /set/foo?EX=100`
 * is `SET foo <body> EX 100`).
 *
 * The command goes through the same policy as a JSON body: the gateway checks `view` (the body as
 * UTF-8 text when it is UTF-8; a binary body as text that matches no command word, script or
 * SHA-1, which a binary body cannot be either) and sends `args` (the body as its bytes).
 */
import { isUtf8 } from "node:buffer";
import type { ParseResult } from "./request.js";

/** One argument as Redis gets it: text, or the body's bytes. */
export type WireArgument = string | Buffer;

export interface PathCommand {
  /** What the policy checks: every argument as text. */
  readonly view: string[];
  /** What Redis gets. */
  readonly args: WireArgument[];
}

/** The query parameter that carries a token (`_token`), never a command argument. */
export const TOKEN_PARAMETER = "_token";

/** Most arguments a path may carry (a URL is bounded by Node's 16 KiB of headers anyway). */
const MAX_SEGMENTS = 1_024;

/**
 * A binary body in the policy's view: not UTF-8, so it can equal no command word, option
 * (`BLOCK`, `DB`), SHA-1 or known script, all of which are UTF-8 text. The NUL makes sure the
 * latin1 reading cannot equal one either.
 */
function binaryView(bytes: Buffer): string {
  return `\u0000${bytes.toString("latin1")}`;
}

function bodyView(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString("utf8") : binaryView(bytes);
}

/** Decoded path segments; `rawPath` is the URL's path as sent (percent-encoded). */
export function pathSegments(rawPath: string): ParseResult<string[]> {
  const parts = rawPath.split("/").slice(1);
  // One trailing slash is not an argument: `/get/foo/` is `GET foo`.
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length > MAX_SEGMENTS) {
    return { ok: false, message: `ERR a path carries at most ${MAX_SEGMENTS} arguments` };
  }
  const decoded: string[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    try {
      decoded[i] = decodeURIComponent(parts[i]!);
    } catch {
      return {
        ok: false,
        message: `ERR path segment ${i + 1} is not valid percent-encoded UTF-8`,
      };
    }
  }
  return { ok: true, value: decoded };
}

/**
 * The command a path-style request carries: path segments, then the body (when it has bytes),
 * then the query parameters but `_token`.
 */
export function pathCommand(
  rawPath: string,
  query: URLSearchParams,
  body: Buffer | undefined,
): ParseResult<PathCommand> {
  const segments = pathSegments(rawPath);
  if (!segments.ok) return segments;
  const view = segments.value;
  if (view.length === 0 || view[0]!.trim() === "") {
    return { ok: false, message: "ERR the command name is empty" };
  }
  const args: WireArgument[] = [...view];
  if (body && body.byteLength > 0) {
    view.push(bodyView(body));
    args.push(body);
  }
  for (const [name, value] of query) {
    if (name === TOKEN_PARAMETER) continue;
    const words = value === "" ? [name] : [name, value];
    view.push(...words);
    args.push(...words);
  }
  return { ok: true, value: { view, args } };
}
