/**
 * Answers for paths no handler took: 405 with `Allow` when the path exists under other methods,
 * 404 otherwise. Both in the app's error shape.
 */
import type { Context } from "hono";
import type { App } from "./env.js";
import { ApiError, errorResponse } from "./errors.js";

interface Pattern {
  method: string;
  regex: RegExp;
}

function toRegex(path: string): RegExp {
  const source = path
    .split("/")
    .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}/?$`);
}

export function notFoundHandler(app: App) {
  let patterns: Pattern[] | undefined;
  return (c: Context): Response => {
    // Built on first use: by then every route is registered.
    patterns ??= app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => ({ method: r.method.toUpperCase(), regex: toRegex(r.path) }));
    const allowed = [
      ...new Set(patterns.filter((p) => p.regex.test(c.req.path)).map((p) => p.method)),
    ];
    if (allowed.length > 0 && !allowed.includes(c.req.method.toUpperCase())) {
      const allow = allowed.includes("GET") ? [...allowed, "HEAD"] : allowed;
      return errorResponse(
        c,
        new ApiError(405, "method_not_allowed", `${c.req.method} is not allowed here`, {
          headers: { Allow: allow.join(", ") },
        }),
      );
    }
    return errorResponse(c, new ApiError(404, "not_found", "No such route"));
  };
}
