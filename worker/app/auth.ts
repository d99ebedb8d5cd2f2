/**
 * Bearer-token authentication and the read/write split. Tokens are checked as the gateway checks
 * them (src/security/bearer.ts: hashed once, compared in constant time).
 */
import { createMiddleware } from "hono/factory";
import { type Access, bearerToken, tokenChecker } from "../../src/security/bearer.js";
import { ApiError } from "./errors.js";

export { type Access, bearerToken };

export interface AuthVariables {
  /** What the caller's token allows; set on every authenticated route. */
  access: Access;
}

/** Paths anyone may call: liveness and the API's own description. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/health", "/openapi.json", "/docs"]);
/** The docs page's own stylesheet and script, when the app serves them (routes/docs.ts). */
const PUBLIC_PREFIX = "/docs/assets/";

const UNAUTHORIZED_HEADERS = { "WWW-Authenticate": 'Bearer realm="redge"' };

/** Refuses every non-public request without a valid token (401); sets `c.var.access`. */
export function bearerAuth(tokens: readonly string[], readOnlyTokens: readonly string[]) {
  const check = tokenChecker(tokens, readOnlyTokens);
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) || c.req.path.startsWith(PUBLIC_PREFIX)) return next();
    const token = bearerToken(c.req.header("authorization"));
    if (token === undefined) {
      throw new ApiError(401, "unauthorized", "Missing bearer token (Authorization: Bearer …)", {
        headers: UNAUTHORIZED_HEADERS,
      });
    }
    const access = check(token);
    if (access === undefined) {
      throw new ApiError(401, "unauthorized", "Invalid bearer token", {
        headers: UNAUTHORIZED_HEADERS,
      });
    }
    c.set("access", access);
    await next();
  });
}

/** Throws 403 unless the caller may write. Handlers call it when a request turns out to write. */
export function assertCanWrite(access: Access | undefined): void {
  if (access !== "read-write") {
    throw new ApiError(403, "forbidden", "This token is read-only; the request would write");
  }
}

/** Route middleware for routes that always write: 403 before the body is even read. */
export const writeAccess = createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
  assertCanWrite(c.get("access"));
  await next();
});
