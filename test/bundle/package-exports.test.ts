/**
 * Every subpath in package.json "exports" points at a file the build emits: `dist/<path>.js`
 * and `.d.ts` come from `<path>.ts` (tsconfig.build.json compiles src/ and worker/ with rootDir
 * "."), so a renamed or moved entry breaks this test instead of users' imports.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  exports: Record<string, string | { types: string; import: string }>;
  bin: Record<string, string>;
};

const entries = Object.entries(pkg.exports).filter(
  (entry): entry is [string, { types: string; import: string }] => typeof entry[1] !== "string",
);

describe("package exports", () => {
  it("lists the edge, Node, app and runtime entries", () => {
    expect(entries.map(([name]) => name)).toEqual([
      ".",
      "./node",
      "./app",
      "./cloudflare",
      "./vercel",
      "./server",
    ]);
  });

  it.each(entries)("%s maps to a compiled source file", (_name, target) => {
    const source = target.import.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts");
    expect(target.import).toMatch(/^\.\/dist\/(src|worker)\/.+\.js$/);
    expect(target.types).toBe(target.import.replace(/\.js$/, ".d.ts"));
    expect(existsSync(source), source).toBe(true);
  });

  it("the bin runs the compiled CLI", () => {
    const bin = readFileSync(pkg.bin.redge!, "utf8");
    expect(bin).toContain('import "../dist/cli/index.js"');
    expect(existsSync("cli/index.ts")).toBe(true);
  });
});
