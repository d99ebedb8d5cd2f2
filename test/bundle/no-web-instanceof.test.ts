/**
 * No `instanceof` on web-platform objects in src/ or worker/. A runtime may hand the app objects
 * from another realm — the edge-runtime VM's requests carry the host's AbortSignal — and
 * `x instanceof AbortSignal` is then false for a perfectly good signal (every stream receive
 * answered 400 on Vercel Edge). Such objects are recognised by their shape instead (see
 * `isAbortSignal` in src/validation.ts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const WEB_CLASSES = [
  "AbortSignal",
  "AbortController",
  "Request",
  "Response",
  "Headers",
  "ReadableStream",
  "WritableStream",
  "TransformStream",
  "CompressionStream",
  "DecompressionStream",
  "URL",
  "URLSearchParams",
  "Blob",
  "File",
  "FormData",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "Uint8Array",
  "DataView",
  "TextEncoder",
  "TextDecoder",
  "Event",
  "EventTarget",
  "WebSocket",
  "CryptoKey",
  "DOMException",
];
const PATTERN = new RegExp(`\\binstanceof\\s+(?:globalThis\\.)?(${WEB_CLASSES.join("|")})\\b`);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === "node_modules" ? [] : sources(path);
    return /\.(ts|js|mjs)$/.test(entry) ? [path] : [];
  });
}

/** The code without its comments (a comment may name the rule it follows). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/.*$/gm, "$1");
}

describe("web-platform objects are never tested with instanceof", () => {
  it("in src/ and worker/", () => {
    const files = [...sources("src"), ...sources("worker")];
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((file) =>
      code(readFileSync(file, "utf8"))
        .split("\n")
        .flatMap((line, i) => (PATTERN.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });

  it("the check itself catches one", () => {
    expect(PATTERN.test("if (signal instanceof AbortSignal) {")).toBe(true);
    expect(PATTERN.test("body instanceof globalThis.ReadableStream")).toBe(true);
    expect(PATTERN.test("error instanceof CommandError")).toBe(false);
    expect(code("a; // x instanceof AbortSignal")).not.toMatch(PATTERN);
  });
});
