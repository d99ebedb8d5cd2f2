/**
 * `/docs` offline in `redge dev`: the worker runs in workerd, which has no file system, so
 * `wrangler dev` serves Swagger UI's two files as static assets in front of it (`[assets]` in the
 * generated wrangler.toml), copied from the swagger-ui-dist package into `.redge/worker/assets/`
 * at the paths the docs page asks for. The worker is told the version with
 * `REDGE_DOCS_ASSETS_VERSION`, so its page points there instead of at the CDN.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface DevDocsAssets {
  /** The directory wrangler serves (`[assets] directory`). */
  dir: string;
  /** The swagger-ui-dist version the files are from (it is part of their paths). */
  version: string;
}

/**
 * Copies the files under `dir`; `undefined` when swagger-ui-dist is not installed (the page then
 * uses the CDN, as a deployed worker does).
 */
export function prepareDocsAssets(dir: string): DevDocsAssets | undefined {
  let source: string;
  try {
    source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  } catch {
    return undefined;
  }
  const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as {
    version: string;
  };
  // The paths of docsAssetPaths() in worker/app/routes/docs.ts.
  const target = join(dir, "docs", "assets", `swagger-ui-dist@${version}`);
  mkdirSync(target, { recursive: true });
  for (const file of ["swagger-ui.css", "swagger-ui-bundle.js"]) {
    copyFileSync(join(source, file), join(target, file));
  }
  return { dir, version };
}
