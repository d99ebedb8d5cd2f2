/**
 * redge — the edge-safe entry. Nothing here (or below it) imports `node:*`, `net`, `tls` or
 * ioredis; Node-only pieces live in `redge/node`.
 */
export { RedgeClient } from "./client.js";
export type { CallOptions, ClientOptions, HealthReport } from "./client.js";
export { createClient } from "./create-client.js";
export type { CreateClientOptions } from "./create-client.js";
export * from "./config/index.js";
export {
  AbortedError,
  CommandError,
  ConfigError,
  ConnectionError,
  RedgeError,
  TimeoutError,
  ValidationError,
  isTransient,
} from "./errors.js";
export type { RedgeErrorCode } from "./errors.js";
export type { CommandOutcome, CommandPort, RedisArg, RedisCommand, RedisReply } from "./port.js";
export { DEFAULT_RETRY_POLICY, backoffDelay } from "./retry.js";
export type { RetryPolicy } from "./retry.js";
export { Script } from "./script.js";
export { RestPort } from "./transport/rest.js";
export * from "./dict/index.js";
export * from "./streams/index.js";
export * from "./subjects/index.js";
