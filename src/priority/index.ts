/**
 * Priority streams: `client.priority(name)` (or `priorityStream(client, name)`) and the seed's
 * `ps*` aliases. See docs/priority-stream.md.
 */
export {
  psadd,
  psaddmany,
  psdecrement_all,
  psdecrementAll,
  psdeletebelowthreshold,
  psexpired,
  psincrement,
  pspull,
  type SeedAddManyItem,
} from "./aliases.js";
export type { PriorityItem } from "./codec.js";
export type { DeadLetter as PriorityDeadLetter } from "./dead-letters.js";
export type { PriorityEvent, PriorityEventType } from "./events.js";
export { eventsKey, priorityKeys, pullReplyKey } from "./keys.js";
export type { StoredOptions as PriorityStoredOptions } from "./options.js";
export { CRON_TIMES_PER_CALL, type Schedule } from "./schedules.js";
export type {
  AckEntry,
  AddManyOptions,
  AddOptions,
  Backoff,
  DeadLettersOptions as PriorityDeadLettersOptions,
  DeleteBelowOptions,
  EventsOptions as PriorityEventsOptions,
  ExpiredOptions,
  IfExists,
  JsonValue,
  Limits as PriorityLimits,
  NackOptions,
  PullOptions,
  ScheduleOptions,
  StreamOptions as PriorityStreamOptions,
} from "./schemas.js";
/** The input schemas (zod) every operation parses with, for apps that validate the same input. */
export * as prioritySchemas from "./schemas.js";
export {
  ADD_MANY_CHUNK_BYTES,
  ADD_MANY_CHUNK_ITEMS,
  DEFAULT_DEAD_LETTERS_COUNT,
  DEFAULT_EVENTS_COUNT,
  DEFAULT_EXPIRED_LIMIT,
  MAX_ATTEMPTS_LIMIT,
  MAX_EVENTS_BLOCK_MS,
  MAX_EVENTS_COUNT,
  MAX_EXPIRED_LIMIT,
  MAX_IDS_PER_CALL,
  MAX_PULL_COUNT,
  MAX_REASON_LENGTH,
  PULL_REPLY_KEEP_MS,
} from "./schemas.js";
export type {
  AddManyItem,
  AddManyResult,
  AddResult,
  NackResult,
  PullResult,
  StreamInfo as PriorityStreamInfo,
  StreamSize,
} from "./stream.js";
export {
  addManyChunks,
  PriorityStream,
  priorityStream,
  StreamOptionsMismatchError,
} from "./stream.js";
