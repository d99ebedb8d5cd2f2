/**
 * Rate limiting: `client.ratelimit({ limit, windowMs, algorithm })` (or `createRatelimit`), with
 * `limit(identifier, { cost })` → `{ success, remaining, resetAt }` in one round trip. See
 * docs/ratelimit.md.
 */
export { ratelimitKey } from "./keys.js";
export { createRatelimit, type LimitResult, RateLimiter } from "./limiter.js";
/** The input schemas (zod) every operation parses with, for apps that validate the same input. */
export * as ratelimitSchemas from "./schemas.js";
export {
  DEFAULT_RATELIMIT_PREFIX,
  type LimitCallOptions,
  MAX_RATE_LIMIT,
  type RatelimitAlgorithm,
  type RatelimitOptions,
} from "./schemas.js";
