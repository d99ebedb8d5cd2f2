/**
 * Bearer-token authentication and the read/write split.
 *
 * Tokens are hashed once when the app is built; each request's token is hashed and compared with
 * every configured digest in constant time (src/security/timing-safe.ts, as the gateway does), so
 * neither a near miss nor which token matched shows in the response time.
 */
import { createMiddleware } from "hono/factory";
import { indexOfSecret, sha256 } from "../../src/security/timing-safe.js";
import { ApiError } from "./errors.js";

export type Access = "read-write" | "read-only";

export interface AuthVariables {
  /** What the caller's token allows; set on every authenticated route. */
  access: Access;
}

/** Paths anyone may call: liveness and the API's own description. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/health", "/openapi.json", "/docs"]);

/** `Bearer <token>`, scheme case-insensitive; anything else is malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
}

const UNAUTHORIZED_HEADERS = { "WWW-Authenticate": 'Bearer realm="redge"' };

/** Refuses every non-public request without a valid token (401); sets `c.var.access`. */
export function bearerAuth(tokens: readonly string[], readOnlyTokens: readonly string[]) {
  const digests = [...tokens, ...readOnlyTokens].map((token) => sha256(token));
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const token = bearerToken(c.req.header("authorization"));
    if (token === undefined) {
      throw new ApiError(401, "unauthorized", "Missing bearer token (Authorization: Bearer …)", {
        headers: UNAUTHORIZED_HEADERS,
      });
    }
    const index = indexOfSecret(token, digests);
    if (index < 0) {
      throw new ApiError(401, "unauthorized", "Invalid bearer token", {
        headers: UNAUTHORIZED_HEADERS,
      });
    }
    c.set("access", index < tokens.length ? "read-write" : "read-only");
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
  assertCanWrite(c.var.access);
  await next();
});
