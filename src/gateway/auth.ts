/**
 * Bearer-token authentication. Tokens are hashed once at start-up; each request's token is hashed
 * and compared with every configured digest in constant time (see security/timing-safe.ts), so
 * neither a near miss nor which token matched shows in the response time.
 */
import { indexOfSecret, sha256 } from "../security/timing-safe.js";

export type Access = "read-write" | "read-only";

/** Resolves the caller's access from the `Authorization` header, or `undefined` when refused. */
export type Authenticator = (authorization: string | undefined) => Promise<Access | undefined>;

/** `Bearer <token>`, scheme case-insensitive; anything else is malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1];
}

export function createAuthenticator(
  tokens: readonly string[],
  readOnlyTokens: readonly string[],
): Authenticator {
  const digests = [...tokens, ...readOnlyTokens].map((token) => sha256(token));
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const index = indexOfSecret(token, digests);
    if (index < 0) return undefined;
    return index < tokens.length ? "read-write" : "read-only";
  };
}
