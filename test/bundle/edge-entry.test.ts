/**
 * The edge entry (`redge`) must bundle for a runtime with no Node built-ins: no `node:*`, `net`,
 * `tls` or ioredis anywhere in its import graph.
 */
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("edge entry bundle", () => {
  it("bundles src/index.ts for a neutral (non-Node) platform without Node built-ins", async () => {
    const result = await build({
      entryPoints: ["src/index.ts"],
      bundle: true,
      platform: "neutral",
      format: "esm",
      mainFields: ["module", "main"],
      conditions: ["worker", "browser", "import"],
      write: false,
      metafile: true,
      minify: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes("src/client.ts"))).toBe(true);
    expect(inputs.filter((p) => /ioredis|node_modules\/(net|tls)\b/.test(p))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["'](node:)?(net|tls|fs|crypto)["']\)/);
    const gzipped = gzipSync(code).length;
    console.log(`edge bundle: ${code.length} bytes, ${gzipped} bytes gzipped`);
    expect(gzipped).toBeLessThan(150 * 1024);
  });
});
