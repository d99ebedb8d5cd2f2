/**
 * What the tarball holds: the compiled entries, the bin, README, LICENSE and CHANGELOG, nothing
 * that only the tests use, and no source maps (they would point at .ts files the package leaves
 * out). Checked on the build's inputs and configuration, so it holds whatever an earlier build
 * left in dist/ (`npm run build` empties it first), and on `npm pack`'s own list of top-level files.
 */
import { execFileSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(".");

function tsc(...args: string[]): string {
  return execFileSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json", ...args],
    { encoding: "utf8" },
  );
}

describe("package files", () => {
  it("the build compiles no test file and no test helper", () => {
    const inputs = tsc("--listFilesOnly")
      .split("\n")
      .filter((line) => line !== "" && !line.includes("/node_modules/"))
      .map((file) => relative(root, file));
    expect(inputs).toContain("src/index.ts");
    expect(inputs).toContain("worker/app/index.ts");
    expect(inputs.filter((file) => !/^(src|worker|cli)\//.test(file))).toEqual([]);
    expect(inputs.filter((file) => /\.test\.ts$|(^|\/)testing\.ts$/.test(file))).toEqual([]);
  });

  it("the build emits no source maps", () => {
    const { compilerOptions } = JSON.parse(tsc("--showConfig")) as {
      compilerOptions: { sourceMap?: boolean; declarationMap?: boolean; inlineSourceMap?: boolean };
    };
    expect(compilerOptions.sourceMap).toBe(false);
    expect(compilerOptions.declarationMap ?? false).toBe(false);
    expect(compilerOptions.inlineSourceMap ?? false).toBe(false);
  });

  it("npm pack takes dist/, bin/, README, LICENSE and CHANGELOG only", () => {
    // --ignore-scripts: list what "files" selects without running the build (prepare).
    const [pack] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    ) as [{ files: { path: string }[] }];
    const tops = [...new Set(pack.files.map((file) => file.path.split("/")[0]!))].sort();
    // dist/ is there once built (npm ci builds it through prepare); the rest always is.
    const allowed = ["CHANGELOG.md", "LICENSE", "README.md", "bin", "dist", "package.json"];
    expect(tops.filter((top) => !allowed.includes(top))).toEqual([]);
    expect(tops.filter((top) => top !== "dist")).toEqual(allowed.filter((top) => top !== "dist"));
  });
});
