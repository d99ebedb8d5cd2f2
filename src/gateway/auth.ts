/**
 * Bearer-token authentication for the gateway (see security/bearer.ts for how tokens are
 * compared).
 */
import { type Access, bearerToken, tokenChecker } from "../security/bearer.js";

export { type Access, bearerToken };

/** Resolves the caller's access from the `Authorization` header, or `undefined` when refused. */
export type Authenticator = (authorization: string | undefined) => Promise<Access | undefined>;

export function createAuthenticator(
  tokens: readonly string[],
  readOnlyTokens: readonly string[],
): Authenticator {
  const check = tokenChecker(tokens, readOnlyTokens);
  return async (authorization) => {
    const token = bearerToken(authorization);
    return token === undefined ? undefined : check(token);
  };
}
