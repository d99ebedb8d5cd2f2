/**
 * The app bundles for a runtime without Node built-ins: nothing in its import graph is `node:*`,
 * `net`, `tls` or ioredis (the entry points add the transport; their own bundle check covers the
 * whole worker). Prints the app's size, gzipped.
 */
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { expect, it } from "vitest";

it("worker/app bundles for a neutral platform without Node built-ins", async () => {
  const result = await build({
    entryPoints: ["worker/app/index.ts"],
    bundle: true,
    platform: "neutral",
    format: "esm",
    mainFields: ["module", "main"],
    conditions: ["worker", "browser"],
    write: false,
    metafile: true,
    minify: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((p) => p.endsWith("worker/app/index.ts"))).toBe(true);
  expect(inputs.filter((p) => /ioredis|src\/node\.ts|src\/transport\/tcp\.ts/.test(p))).toEqual([]);
  const code = result.outputFiles[0]!.text;
  expect(code).not.toMatch(/from\s*["']node:/);
  expect(code).not.toMatch(/require\(["'](node:)?(net|tls|fs|crypto)["']\)/);
  console.log(`worker/app bundle: ${code.length} bytes, ${gzipSync(code).length} bytes gzipped`);
}, 30_000);
