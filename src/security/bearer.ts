/**
 * Bearer tokens, as the gateway and the edge app check them. Tokens are hashed once when the
 * checker is built; each presented token is hashed and compared with every configured digest in
 * constant time (timing-safe.ts), so neither a near miss nor which token matched shows in the
 * response time. Edge-safe: no Node imports.
 */
import { indexOfSecret, sha256 } from "./timing-safe.js";

export type Access = "read-write" | "read-only";

/** `Bearer <token>`, scheme case-insensitive; anything else is malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1];
}

/** A checker resolving a presented token to its access, or `undefined` when it is not known. */
export function tokenChecker(
  tokens: readonly string[],
  readOnlyTokens: readonly string[],
): (token: string) => Access | undefined {
  const digests = [...tokens, ...readOnlyTokens].map((token) => sha256(token));
  return (token) => {
    const index = indexOfSecret(token, digests);
    if (index < 0) return undefined;
    return index < tokens.length ? "read-write" : "read-only";
  };
}
