/**
 * redge — the edge-safe entry. Nothing here (or below it) imports `node:*`, `net`, `tls` or
 * ioredis; Node-only pieces live in `redge/node`.
 */

export * from "./cache/index.js";
export { CoreClient, RedgeClient } from "./client.js";
export * from "./config/index.js";
export type { CallOptions, ClientOptions, CloseOptions, HealthReport } from "./core/client.js";
export type { RedgeErrorCode } from "./core/errors.js";
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
} from "./core/errors.js";
export type {
  CommandOutcome,
  CommandPort,
  RedisArg,
  RedisCommand,
  RedisReply,
} from "./core/port.js";
export {
  channelNameSchema,
  MAX_SUBSCRIPTION_TARGETS,
  type PortPubSubEvent,
  type PubSubEvent,
  type PubSubTargets,
  type SubscribeOptions,
  type SubscribeTargets,
  Subscription,
} from "./core/pubsub.js";
export type { RetryPolicy } from "./core/retry.js";
export { backoffDelay, DEFAULT_RETRY_POLICY } from "./core/retry.js";
export { Script } from "./core/script.js";
export type {
  ClusterNode,
  ServerAddress,
  ServerIdentity,
  ServerRole,
  Topology,
} from "./core/topology.js";
export { type WithRetryOptions, withRetry } from "./core/with-retry.js";
export type { CreateClientOptions } from "./create-client.js";
export { createClient } from "./create-client.js";
export * from "./dict/index.js";
export * from "./priority/index.js";
export * from "./ratelimit/index.js";
export * from "./streams/index.js";
export * from "./subjects/index.js";
export { RestPort } from "./transport/rest.js";
