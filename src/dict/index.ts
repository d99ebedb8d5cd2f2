/**
 * Dict: an async Map over one Redis hash, with JSON values, an optional zod schema and a TTL
 * refreshed on every write.
 */
export { createDict, Dict } from "./dict.js";
export { DictValueError } from "./errors.js";
export type { DictOptions, ScanOptions } from "./schemas.js";
export { DEFAULT_TTL_MS } from "./schemas.js";
