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
export { priorityKeys, pullReplyKey } from "./keys.js";
export type {
  AckEntry,
  AddOptions,
  DeleteBelowOptions,
  ExpiredOptions,
  IfExists,
  JsonValue,
  PullOptions,
} from "./schemas.js";
/** The input schemas (zod) every operation parses with, for apps that validate the same input. */
export * as prioritySchemas from "./schemas.js";
export {
  ADD_MANY_CHUNK_BYTES,
  ADD_MANY_CHUNK_ITEMS,
  DEFAULT_EXPIRED_LIMIT,
  MAX_EXPIRED_LIMIT,
  MAX_IDS_PER_CALL,
  MAX_PULL_COUNT,
  PULL_REPLY_KEEP_MS,
} from "./schemas.js";
export type { AddManyItem, AddManyResult, AddResult, StreamSize } from "./stream.js";
export { addManyChunks, PriorityStream, priorityStream } from "./stream.js";
