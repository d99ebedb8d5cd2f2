/**
 * Stream queues: Redis Streams with a consumer group, at-least-once delivery, reclaim of stale
 * messages, dead letters and stream TTL. Edge-safe: no Node imports (blocking reads use the
 * client's dedicated connections, which only the TCP transport provides).
 */
export { AcquireTimeoutError } from "../core/errors.js";
export type { DeadLetter, PendingMessage, PendingSummary, StreamMessage } from "./codec.js";
/** The input schemas (zod) every operation parses with, for apps that validate the same input. */
export * as streamSchemas from "./schemas.js";
export {
  type CreateGroupOptions,
  type DeadLettersOptions,
  MAX_RECEIVE_COUNT,
  type PendingMessagesOptions,
  type PublishOptions,
  type ReceiveOptions,
  type StreamOptions,
  streamOptionsSchema,
} from "./schemas.js";
export { createStream, PUBLISH_BATCH, StreamQueue } from "./stream-queue.js";
export { POLL_FIRST_DELAY_MS, POLL_MAX_DELAY_MS } from "./wait.js";
