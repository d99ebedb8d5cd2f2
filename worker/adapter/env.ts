/**
 * Tokens from the environment, the same way in every entry point: the Workers `env` object,
 * `process.env` on Vercel and in Node.
 *
 * `REDGE_TOKENS` (read-write) and `REDGE_READ_TOKENS` (read-only) are comma-separated; entries
 * are trimmed and blanks dropped. Errors name the variable, never a value: a misplaced secret
 * must not end up in a log.
 */
import { type EnvSource, splitList } from "../../src/config/index.js";
import { ConfigError } from "../../src/core/errors.js";

export interface EnvTokens {
  tokens: string[];
  readOnlyTokens: string[];
}

/** Printable ASCII without spaces: a token travels in a header as `Bearer <token>`. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

/**
 * Reads `REDGE_TOKENS` and `REDGE_READ_TOKENS`. Throws a `ConfigError` naming the variable when
 * there is no read-write token, when a token has spaces or control characters, or when a token is
 * listed as both read-write and read-only (which one would win is not obvious, so neither does).
 */
export function tokensFromEnv(env: EnvSource): EnvTokens {
  const vars = env as Readonly<Record<string, unknown>>;
  const tokens = splitList(vars.REDGE_TOKENS);
  const readOnlyTokens = splitList(vars.REDGE_READ_TOKENS);
  const issues: { path: string; message: string }[] = [];
  if (tokens.length === 0) {
    issues.push({
      path: "REDGE_TOKENS",
      message:
        "is required: one or more comma-separated bearer tokens (set it as a secret, e.g. `wrangler secret put REDGE_TOKENS`)",
    });
  }
  const check = (list: string[], name: string) => {
    list.forEach((token, index) => {
      if (!TOKEN_SHAPE.test(token)) {
        issues.push({
          path: name,
          message: `entry ${index + 1} must be printable ASCII without spaces`,
        });
      }
    });
  };
  check(tokens, "REDGE_TOKENS");
  check(readOnlyTokens, "REDGE_READ_TOKENS");
  const readWrite = new Set(tokens);
  readOnlyTokens.forEach((token, index) => {
    if (readWrite.has(token)) {
      issues.push({
        path: "REDGE_READ_TOKENS",
        message: `entry ${index + 1} is also in REDGE_TOKENS; a token is either read-write or read-only`,
      });
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return { tokens, readOnlyTokens };
}

/**
 * `REDGE_MAX_BODY_BYTES` when set (a positive whole number), else `undefined` (the app's default).
 */
export function maxBodyBytesFromEnv(env: EnvSource): number | undefined {
  const value = (env as Readonly<Record<string, unknown>>).REDGE_MAX_BODY_BYTES;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const text = value.trim();
  if (!/^\d{1,15}$/.test(text) || Number(text) === 0) {
    throw new ConfigError([
      { path: "REDGE_MAX_BODY_BYTES", message: "must be a positive whole number of bytes" },
    ]);
  }
  return Number(text);
}
