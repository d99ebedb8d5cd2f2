/**
 * The scripts a default gateway runs: redge's own (every capability's generated `lua.gen.ts`),
 * by SHA-1, plus any the operator registers (`scripts` option). Redge's clients send EVALSHA
 * with these SHA-1s and fall back to EVAL with the same source, so both pass; any other script
 * needs `allowScripts`.
 */
import * as cache from "../cache/lua.gen.js";
import * as dict from "../dict/lua.gen.js";
import * as priority from "../priority/lua.gen.js";
import { Script } from "../script.js";
import * as streams from "../streams/lua.gen.js";
import * as subjects from "../subjects/lua.gen.js";
import { sha1 } from "./policy.js";

const MODULES: readonly Record<string, unknown>[] = [cache, dict, priority, streams, subjects];

/** The SHA-1s of redge's own scripts. */
export function redgeScriptShas(): string[] {
  const shas: string[] = [];
  for (const module of MODULES) {
    for (const value of Object.values(module)) {
      if (value instanceof Script) shas.push(sha1(value.source));
    }
  }
  return shas;
}

/** redge's scripts and the operator's (Lua sources), as the policy's `knownScripts`. */
export function knownScriptShas(extraSources: readonly string[]): ReadonlySet<string> {
  return new Set([...redgeScriptShas(), ...extraSources.map(sha1)]);
}
