/**
 * Vercel Edge entry: the app behind `hono/vercel`'s handler, reading `process.env` (Vercel
 * injects project variables there, including Vercel KV's `KV_REST_API_URL`/`TOKEN`).
 *
 * A Vercel project re-exports it from `api/[[...route]].ts` (see docs/edge-app.md). Vercel routes
 * `/api/...` to that file, so the app is mounted under `/api`; `REDGE_BASE_PATH` changes that
 * (`/` to serve at the root, e.g. behind a rewrite).
 */
import { Hono } from "hono";
import { mount } from "hono/mount";
import { handle } from "hono/vercel";
import type { EnvSource } from "../../../src/config/index.js";
import { configErrorResponse, edgeAppFromEnv } from "../edge-app.js";

/** Vercel reads this (statically, in the route file itself: repeat it there). */
export const config = { runtime: "edge" };
/** The Next.js App Router spelling of the same. */
export const runtime = "edge";

const DEFAULT_BASE_PATH = "/api";

/** `process.env` where there is one; the edge runtime has it, but a bare V8 isolate may not. */
function processEnv(): EnvSource {
  return (globalThis as { process?: { env?: EnvSource } }).process?.env ?? {};
}

/** `/api/` → `/api`; `/` and "" → "" (no prefix). */
export function normalizeBasePath(value: unknown): string {
  const text = typeof value === "string" ? value.trim() : DEFAULT_BASE_PATH;
  const trimmed = text.replace(/\/+$/, "");
  return trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

/** Built on the first request, not at import: env problems become a 500 naming the variable. */
let root: Hono | undefined;

function rootApp(env: EnvSource): Hono {
  if (root) return root;
  const app = edgeAppFromEnv(env);
  const base = normalizeBasePath((env as Record<string, unknown>).REDGE_BASE_PATH);
  if (base === "") {
    root = app as unknown as Hono;
  } else {
    // mount() strips the prefix, so the app sees the paths it declares (/health, /cache/...).
    const forward = mount((request: Request) => app.fetch(request));
    root = new Hono().all(base, forward).all(`${base}/*`, forward);
  }
  return root;
}

/** One handler for every method: the app routes by method itself. */
export function fetchHandler(request: Request): Response | Promise<Response> {
  let app: Hono;
  try {
    app = rootApp(processEnv());
  } catch (error) {
    return configErrorResponse(error);
  }
  return handle(app)(request);
}

export const GET = fetchHandler;
export const POST = fetchHandler;
export const PUT = fetchHandler;
export const PATCH = fetchHandler;
export const DELETE = fetchHandler;
export const HEAD = fetchHandler;
export const OPTIONS = fetchHandler;
export default fetchHandler;
