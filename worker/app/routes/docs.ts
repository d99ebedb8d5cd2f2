/**
 * `GET /openapi.json` (OpenAPI 3.1, generated from the routes' zod schemas) and `GET /docs`
 * (Swagger UI).
 *
 * The docs page loads Swagger UI's stylesheet and script from one of three places:
 * - the app itself, when it is given the files (`docsAssets`; `startServer` and `redge serve`
 *   read them from the swagger-ui-dist package at start), so /docs works with no network;
 * - the platform, at the same paths, when `docsAssets` is `{ version, servedBy: "platform" }`:
 *   `redge dev` has `wrangler dev` serve the files as static assets in front of the worker;
 * - otherwise (Workers, Vercel Edge: no file system) a CDN, at the version pinned below.
 */
import { swaggerUI } from "@hono/swagger-ui";
import type { App } from "../env.js";

export const OPENAPI_INFO = {
  title: "redge",
  version: "0.1.0",
  description:
    "Cache, subject, priority-queue and stream endpoints over Redis. Every route but /health, " +
    "/openapi.json and /docs needs `Authorization: Bearer <token>`; read-only tokens may only read.",
};

/**
 * The swagger-ui-dist version the docs page loads from the CDN: the same as the package's own
 * dependency (package.json pins it exactly; a test keeps the two equal), so the page looks the
 * same wherever it is served from.
 */
export const SWAGGER_UI_VERSION = "5.35.0";

/** Swagger UI's two files, to be served by the app itself under /docs/assets/. */
export interface DocsAssets {
  /** The swagger-ui-dist version the files come from (it is part of their URLs). */
  version: string;
  /** `swagger-ui.css` */
  css: Uint8Array;
  /** `swagger-ui-bundle.js` */
  js: Uint8Array;
}

/** The files are served at docsAssetPaths(version) by the platform in front of the app. */
export interface PlatformDocsAssets {
  version: string;
  servedBy: "platform";
}

/** Where the app serves the files: one path per version, so they may be cached for good. */
export function docsAssetPaths(version: string): { css: string; js: string } {
  const base = `/docs/assets/swagger-ui-dist@${version}`;
  return { css: `${base}/swagger-ui.css`, js: `${base}/swagger-ui-bundle.js` };
}

const IMMUTABLE = "public, max-age=31536000, immutable";

export function docsRoutes(app: App, assets?: DocsAssets | PlatformDocsAssets): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
  });
  app.doc31("/openapi.json", { openapi: "3.1.0", info: OPENAPI_INFO });
  // Both URLs are relative to the page, so they work under a base path (Vercel's /api) too.
  // swaggerUI puts `${baseUrl}/swagger-ui-dist@${version}/` in front of each file's name.
  const page = { url: "openapi.json", title: "redge API" };
  if (!assets) {
    app.get("/docs", swaggerUI({ ...page, version: SWAGGER_UI_VERSION }));
    return;
  }
  app.get("/docs", swaggerUI({ ...page, baseUrl: "docs/assets", version: assets.version }));
  if ("servedBy" in assets) return;
  const paths = docsAssetPaths(assets.version);
  app.get(paths.css, (c) =>
    c.body(assets.css as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": IMMUTABLE,
    }),
  );
  app.get(paths.js, (c) =>
    c.body(assets.js as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": IMMUTABLE,
    }),
  );
}
