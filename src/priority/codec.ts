/**
 * How items are stored and read back. A stored value is `<16-char prefix><tag><payload>`: the
 * prefix is the item's place in the time index, the tag `s` marks a raw string and `j` JSON text,
 * so "42" and 42 come back as they went in and strings cost one byte.
 */
import type { RedgeError } from "../core/errors.js";
import type { RedisReply } from "../core/port.js";
import { replyArray, replyStrings, unexpectedReply } from "../core/replies.js";
import type { JsonValue } from "./schemas.js";

/**
 * Length of the sortable prefix: the `<ms>-<seq>` of the time-index entry of the add call that
 * enqueued the item (its batch) as 9 + 4 base-36 digits (`0-9a-z`), then the item's place in
 * that batch as 3 (fixed width, so lexicographic order is enqueue order).
 */
export const PREFIX_LENGTH = 16;

/** Base-36 digits of the enqueue time (ms) at the start of the prefix. */
const MS_DIGITS = 9;

export interface PriorityItem<T = JsonValue> {
  id: string;
  data: T;
  /** Current priority (after increments and decrementAll). */
  priority: number;
  /**
   * When the item was first enqueued, in ms since the epoch, by the server's clock. A delayed
   * item (or one waiting for a retry after a backoff) is enqueued when it is due: its due time.
   */
  enqueuedAt: number;
  /** The running lease's deadline (server ms), or null when the item is not leased. */
  leasedUntil: number | null;
  /**
   * How many times the item has been handed out (leased or pulled), this one included for an
   * item a pull returns or that is leased now: 1 on the first delivery, 2 on the first retry...
   */
  attempts: number;
}

export function encodeData(data: JsonValue): string {
  return typeof data === "string" ? `s${data}` : `j${JSON.stringify(data)}`;
}

/** Decodes a stored value (prefix included). */
export function decodeData(stored: string): JsonValue {
  const tag = stored.charCodeAt(PREFIX_LENGTH);
  const payload = stored.slice(PREFIX_LENGTH + 1);
  if (tag === 115 /* s */) return payload;
  if (tag === 106 /* j */) return JSON.parse(payload) as JsonValue;
  throw malformed("an item's stored value has an unknown tag");
}

/** priority = offset - score, with -0 reported as 0. Both come as Redis' full-precision text. */
export function priorityOf(offset: RedisReply, score: RedisReply): number {
  const p = Number(offset) - Number(score);
  return p === 0 ? 0 : p;
}

/** The enqueue time (ms) encoded in a member's prefix. */
export function enqueuedAtOf(member: string): number {
  return Number.parseInt(member.slice(0, MS_DIGITS), 36);
}

export function idOf(member: string): string {
  return member.slice(PREFIX_LENGTH);
}

/** One item from a script's reply: member, score, stored value (+ lease deadline). */
export function decodeItem<T>(
  offset: RedisReply,
  member: RedisReply,
  score: RedisReply,
  value: RedisReply,
  leasedUntil: RedisReply,
  attempts = 0,
): PriorityItem<T> {
  if (typeof member !== "string" || typeof value !== "string") {
    throw malformed("an item is missing from the stream's hash");
  }
  return {
    id: idOf(member),
    data: decodeData(value) as T,
    priority: priorityOf(offset, score),
    enqueuedAt: enqueuedAtOf(member),
    leasedUntil: leasedUntil === "" || leasedUntil === null ? null : Number(leasedUntil),
    attempts,
  };
}

/** A priority script's reply as an array, or an error saying the reply was not one. */
export function asArray(reply: RedisReply): RedisReply[] {
  return replyArray(reply, "a priority stream script");
}

export function asStrings(reply: RedisReply): string[] {
  return replyStrings(reply, "a priority stream script");
}

function malformed(what: string): RedgeError {
  return unexpectedReply(`a priority stream script (${what})`);
}
