/**
 * Node only: Swagger UI's stylesheet and script read from the swagger-ui-dist package, so the app
 * can serve /docs with no network (startServer passes them to createApp as `docsAssets`). Not
 * imported by the app itself, which stays free of Node built-ins for the edge.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DocsAssets } from "./routes/docs.js";

/**
 * Reads the two files once. Resolves to `undefined` when swagger-ui-dist cannot be found (a
 * server bundled without its node_modules): the page then loads them from the CDN, as on the
 * edge. Any other failure (an unreadable file) rejects.
 */
export async function loadDocsAssets(): Promise<DocsAssets | undefined> {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  } catch {
    return undefined;
  }
  const [manifest, css, js] = await Promise.all([
    readFile(join(dir, "package.json"), "utf8"),
    readFile(join(dir, "swagger-ui.css")),
    readFile(join(dir, "swagger-ui-bundle.js")),
  ]);
  // The version installed, which may differ from the pinned one if an application overrides it:
  // it goes into the files' URLs, so a browser never mixes two versions from its cache.
  const { version } = JSON.parse(manifest) as { version: string };
  return { version, css, js };
}
