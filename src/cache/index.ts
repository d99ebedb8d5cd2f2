/**
 * The cache capability: `createCache(client)` / `new Cache(client)`, `cache.wrap(fn, options)`,
 * `cache.set/get/delete`, `cache.invalidateTag`. See docs/cache.md.
 */
export { Cache, createCache, type Wrapped } from "./cache.js";
export { canonicalArgs, canonicalJson } from "./canonical.js";
export { DEFAULT_COMPRESS_THRESHOLD_BYTES } from "./codec.js";
export type { CacheCondition, RedgeCacheCondition, SeedCacheCondition } from "./conditions.js";
export type {
  CacheErrorHandler,
  CacheErrorInfo,
  CacheOperation,
  CacheOptions,
  NamespaceOptions,
  SetOptions as CacheSetOptions,
  WaitUntil,
  WrapCallbacks,
  WrapOptions,
} from "./schemas.js";
/** The input schemas (zod) every operation parses with, for apps that validate the same input. */
export * as cacheSchemas from "./schemas.js";
