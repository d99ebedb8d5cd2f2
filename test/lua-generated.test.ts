/**
 * Every capability's `lua.gen.ts` must match its `.lua` files (with includes expanded): a stale
 * one would send an old script, under an old SHA, to Redis.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  documentedKeys,
  expandIncludes,
  generate,
  luaFolders,
  shipped,
} from "../scripts/gen-lua.js";
import { Script } from "../src/core/script.js";

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

  it("ships scripts without their comment lines, code lines untouched", () => {
    const source = "--[[\nheader\n]]\n-- a comment\nlocal x = 1 -- trailing\n\nreturn x\n";
    expect(shipped(source)).toBe("local x = 1 -- trailing\nreturn x\n");
  });

  it("reads each script's key count from its documented header", () => {
    expect(documentedKeys("a.lua", "-- KEYS (2): [1] entry, [2] lease\n")).toEqual({
      keys: 2,
      variadic: false,
    });
    expect(documentedKeys("w.lua", "-- KEYS (2 + n): ...\n")).toEqual({ keys: 2, variadic: true });
    const pull = "--[[\nKEYS (7, the same):\n  1 ps:{name}:q  x\n  8 ps:{name}:pull:<id>  y\n]]\n";
    expect(documentedKeys("pull.lua", pull)).toEqual({ keys: 8, variadic: false });
    expect(() => documentedKeys("bad.lua", "return 1\n")).toThrow(/must document its keys/);
  });

  it("gives every generated script its key count, which every call is checked against", async () => {
    const modules = await Promise.all(
      ["cache", "dict", "priority", "ratelimit", "streams", "subjects"].map(
        (name) => import(`../src/${name}/lua.gen.ts`) as Promise<Record<string, unknown>>,
      ),
    );
    const scripts = modules.flatMap((m) => Object.values(m).filter((v) => v instanceof Script));
    expect(scripts.length).toBeGreaterThan(20);
    for (const script of scripts) {
      expect(script.keys !== undefined || script.minKeys !== undefined).toBe(true);
    }
    const seven = new Script("return 1", undefined, { keys: 7 });
    expect(seven.keyMismatch(7)).toBeUndefined();
    expect(seven.keyMismatch(8)).toMatch(/takes 7 keys .* passed 8/);
    expect(new Script("return 1", undefined, { minKeys: 2 }).keyMismatch(1)).toMatch(/at least 2/);
  });
});
