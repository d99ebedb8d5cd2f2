/**
 * Every capability's `lua.gen.ts` must match its `.lua` files (with includes expanded): a stale
 * one would send an old script, under an old SHA, to Redis.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandIncludes, generate, luaFolders } from "../scripts/gen-lua.js";

describe("generated Lua modules", () => {
  it("are up to date (run `npm run gen:lua` after editing a .lua file)", () => {
    const folders = luaFolders();
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      expect(readFileSync(join(folder, "lua.gen.ts"), "utf8"), folder).toBe(generate(folder));
    }
  });

  it("expands each include once per script", () => {
    const folder = join(new URL("../src/priority/", import.meta.url).pathname);
    const source = "-- @include lib/requeue.lua\n-- @include lib/batched.lua\nreturn 1\n";
    const expanded = expandIncludes(folder, source);
    expect(expanded.match(/local function batched/g)).toHaveLength(1);
    expect(expanded).toContain("local function requeue");
    expect(expanded).not.toContain("-- @include lib/requeue.lua");
  });
});
