/**
 * The scripts a default gateway runs: redge's own (every capability's generated `lua.gen.ts`),
 * by SHA-1, plus any the operator registers (`scripts` option). Redge's clients send EVALSHA
 * with these SHA-1s and fall back to EVAL with the same source, so both pass; any other script
 * needs `allowScripts`.
 */
import * as cache from "../cache/lua.gen.js";
import { Script } from "../core/script.js";
import * as dict from "../dict/lua.gen.js";
import * as priority from "../priority/lua.gen.js";
import * as ratelimit from "../ratelimit/lua.gen.js";
import * as streams from "../streams/lua.gen.js";
import * as subjects from "../subjects/lua.gen.js";
import { sha1 } from "./policy.js";

const MODULES: readonly Record<string, unknown>[] = [
  cache,
  dict,
  priority,
  ratelimit,
  streams,
  subjects,
];

function redgeScripts(): Script[] {
  return MODULES.flatMap((module) => Object.values(module).filter((v) => v instanceof Script));
}

/** The SHA-1s of redge's own scripts. */
export function redgeScriptShas(): string[] {
  return redgeScripts().map((script) => sha1(script.source));
}

/**
 * The SHA-1s of redge's scripts declared read-only (`-- @read-only`: get, size, peek...): a
 * read-only token may run them, so a redge client with such a token can read a stream.
 */
export function readOnlyScriptShas(): ReadonlySet<string> {
  return new Set(
    redgeScripts()
      .filter((script) => script.readOnly)
      .map((script) => sha1(script.source)),
  );
}

/** redge's scripts and the operator's (Lua sources), as the policy's `knownScripts`. */
export function knownScriptShas(extraSources: readonly string[]): ReadonlySet<string> {
  return new Set([...redgeScriptShas(), ...extraSources.map(sha1)]);
}
