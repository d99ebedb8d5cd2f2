/**
 * redge — the edge-safe entry. Nothing here (or below it) imports `node:*`, `net`, `tls` or
 * ioredis; Node-only pieces live in `redge/node`.
 */

export * from "./cache/index.js";
export type { CallOptions, ClientOptions, CloseOptions, HealthReport } from "./client.js";
export { RedgeClient } from "./client.js";
export * from "./config/index.js";
export type { CreateClientOptions } from "./create-client.js";
export { createClient } from "./create-client.js";
export * from "./dict/index.js";
export type { RedgeErrorCode } from "./errors.js";
export {
  AbortedError,
  CommandError,
  ConfigError,
  ConnectionError,
  DurabilityError,
  isOutOfMemory,
  isTransient,
  RedgeError,
  TimeoutError,
  ValidationError,
} from "./errors.js";
export type { CommandOutcome, CommandPort, RedisArg, RedisCommand, RedisReply } from "./port.js";
export * from "./priority/index.js";
export type { RetryPolicy } from "./retry.js";
export { backoffDelay, DEFAULT_RETRY_POLICY } from "./retry.js";
export { Script } from "./script.js";
export * from "./streams/index.js";
export * from "./subjects/index.js";
export type {
  ClusterNode,
  ServerAddress,
  ServerIdentity,
  ServerRole,
  Topology,
} from "./topology.js";
export { RestPort } from "./transport/rest.js";
export { type WithRetryOptions, withRetry } from "./with-retry.js";
