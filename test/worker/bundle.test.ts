/**
 * The Workers bundle, as `wrangler deploy` would upload it, holds nothing Node-only (no `node:*`
 * import, no ioredis) and stays within the size target (170 KiB gzipped).
 */
import { readFileSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildWorker, type WorkerBuild } from "../helpers/wrangler-build.js";

// 150 KiB until pub/sub (the SSE subscriber, its reconnecting iterator, the channel routes)
// added 3.9 KiB: main measured 146.1 KiB gzipped, with pub/sub 150.0 KiB. The job queue (issue
// 17) added ~12.7 KiB of Lua, routes and schemas and croner (cron schedules, no dependencies)
// ~9.5 KiB: 172.2 KiB; aliasing out zod's unused JSON Schema → zod converter: 167.5 KiB. Most
// of the rest is zod (with the zod → JSON Schema converter the OpenAPI document needs) and
// @upstash/redis (~20 KiB each), croner (~9.5 KiB) and the priority stream's Lua (~15 KiB).
const TARGET_GZIPPED_BYTES = 170 * 1024;

let build: WorkerBuild | undefined;
afterAll(() => {
  if (build) rmSync(build.dir, { recursive: true, force: true });
});

describe("Workers bundle (wrangler deploy --dry-run)", () => {
  it("has no node: import, no ioredis, and is at most 170 KiB gzipped", async () => {
    build = await buildWorker();
    const code = readFileSync(build.script, "utf8");
    // No `node:` specifier in any form (import, dynamic import, require, esbuild's __require),
    // and no require() of a bare built-in either.
    expect(code.match(/["'`]node:[a-z_/]+["'`]/g) ?? []).toEqual([]);
    expect(
      code.match(/require\(\s*["'](?:node:)?(?:net|tls|fs|crypto|dns|stream)["']\)/g) ?? [],
    ).toEqual([]);
    expect(code).not.toMatch(/ioredis/i);
    // The app is really in there (a bundle of nothing would pass the checks above).
    expect(code).toContain("/queues/{name}/pull");
    expect(code).toContain("UPSTASH_REDIS_REST_URL");

    const gzipped = gzipSync(code).length;
    console.log(
      `Workers bundle: ${(code.length / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped (target ≤ 170 KiB)`,
    );
    expect(gzipped).toBeLessThanOrEqual(TARGET_GZIPPED_BYTES);
  });
});
