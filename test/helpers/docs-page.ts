/**
 * Loads the app's /docs page as a browser would: the page, then every stylesheet and script it
 * references, resolved against the page's URL. Used to show that /docs needs no network on Node:
 * each reference must stay on the server itself.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { expect } from "vitest";

/** The files the page must load, as swagger-ui-dist ships them. */
export function swaggerUiFile(name: string): Buffer {
  const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  return readFileSync(join(dir, name));
}

/**
 * `platform`: the files come from the platform in front of the app (redge dev: wrangler's static
 * assets), whose content types and cache headers are its own.
 */
export async function expectDocsServedLocally(
  baseUrl: string,
  options: { platform?: boolean } = {},
): Promise<void> {
  const page = await fetch(`${baseUrl}/docs`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const refs = [
    ...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g),
    ...html.matchAll(/<script src="([^"]+)"/g),
  ].map((m) => m[1]!);
  expect(refs).toHaveLength(2);
  for (const ref of refs) {
    const url = new URL(ref, page.url);
    // On this server, not on a CDN.
    expect(url.origin, ref).toBe(new URL(baseUrl).origin);
    const file = await fetch(url);
    expect(file.status, ref).toBe(200);
    const body = Buffer.from(await file.arrayBuffer());
    const type = file.headers.get("content-type") ?? "";
    if (ref.endsWith(".css")) {
      if (options.platform) expect(type).toMatch(/^text\/css/);
      else expect(type).toBe("text/css; charset=utf-8");
      expect(body.equals(swaggerUiFile("swagger-ui.css"))).toBe(true);
    } else {
      if (options.platform) expect(type).toMatch(/^(text|application)\/javascript/);
      else expect(type).toBe("text/javascript; charset=utf-8");
      expect(body.equals(swaggerUiFile("swagger-ui-bundle.js"))).toBe(true);
    }
    if (!options.platform) expect(file.headers.get("cache-control")).toContain("immutable");
  }
}
