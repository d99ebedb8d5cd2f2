/**
 * Empties dist/ before `npm run build` (and so before `npm pack` and `npm publish`, which run
 * `prepare`). tsc only adds and overwrites files: without this, an output whose source was moved
 * or deleted (a renamed module, a test helper moved to test/, source maps from an older build
 * config) would stay in dist/ and ship.
 */
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
