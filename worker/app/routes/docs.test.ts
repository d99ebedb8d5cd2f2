/**
 * The docs page: Swagger UI from the pinned CDN version by default (the edge builds), or from the
 * app itself when it is given the files (Node). No Redis: /docs never reaches the client.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { RedgeClient } from "../../../src/index.js";
import { createApp } from "../index.js";
import { docsAssetPaths, SWAGGER_UI_VERSION } from "./docs.js";

const client = { health: () => {}, priority: () => {} } as unknown as RedgeClient;
const tokens = ["docs-test-token"];

/** The `href`/`src` of the page's stylesheet and script. */
function assetRefs(html: string): string[] {
  return [
    ...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g),
    ...html.matchAll(/<script src="([^"]+)"/g),
  ].map((m) => m[1]!);
}

describe("GET /docs", () => {
  it("pins the CDN at the swagger-ui-dist version the package depends on", async () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies["swagger-ui-dist"]).toBe(SWAGGER_UI_VERSION);

    const res = await createApp({ client, tokens }).request("/docs");
    expect(res.status).toBe(200);
    expect(assetRefs(await res.text())).toEqual([
      `https://cdn.jsdelivr.net/npm/swagger-ui-dist@${SWAGGER_UI_VERSION}/swagger-ui.css`,
      `https://cdn.jsdelivr.net/npm/swagger-ui-dist@${SWAGGER_UI_VERSION}/swagger-ui-bundle.js`,
    ]);
  });

  it("with docsAssets, loads them from the app, under any base path, without a token", async () => {
    const css = new TextEncoder().encode("body{}");
    const js = new TextEncoder().encode("window.SwaggerUIBundle=()=>{}");
    const app = createApp({ client, tokens, docsAssets: { version: "5.1.2", css, js } });

    const page = await app.request("/docs");
    const refs = assetRefs(await page.text());
    // Relative to the page: /docs -> /docs/assets/..., /api/docs -> /api/docs/assets/...
    expect(refs).toEqual([
      "docs/assets/swagger-ui-dist@5.1.2/swagger-ui.css",
      "docs/assets/swagger-ui-dist@5.1.2/swagger-ui-bundle.js",
    ]);
    expect(refs.map((ref) => new URL(ref, "http://h/docs").pathname)).toEqual([
      docsAssetPaths("5.1.2").css,
      docsAssetPaths("5.1.2").js,
    ]);

    const cssRes = await app.request(docsAssetPaths("5.1.2").css);
    expect(cssRes.status).toBe(200);
    expect(cssRes.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(cssRes.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await cssRes.text()).toBe("body{}");
    const jsRes = await app.request(docsAssetPaths("5.1.2").js);
    expect(jsRes.status).toBe(200);
    expect(jsRes.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await jsRes.text()).toBe("window.SwaggerUIBundle=()=>{}");
  });

  it("serves nothing else under /docs/assets/: other names and versions are 404", async () => {
    const bytes = new Uint8Array([1]);
    const app = createApp({
      client,
      tokens,
      docsAssets: { version: "5.1.2", css: bytes, js: bytes },
    });
    for (const path of [
      "/docs/assets/swagger-ui-dist@5.1.2/index.html",
      "/docs/assets/swagger-ui-dist@9.9.9/swagger-ui.css",
      "/docs/assets/swagger-ui-dist@5.1.2/..%2F..%2F..%2Fpackage.json",
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
    // A plain ../ is resolved by the URL parser: it leaves /docs/assets/ and needs a token.
    expect((await app.request("/docs/assets/../../package.json")).status).toBe(401);
    // Without docsAssets the app serves no files at all.
    const plain = createApp({ client, tokens });
    expect((await plain.request(docsAssetPaths(SWAGGER_UI_VERSION).css)).status).toBe(404);
  });
});
