/**
 * How messages are stored in stream entries and read back, and how Redis' stream replies are
 * turned into typed results.
 *
 * A message published by redge is one field, `d`, holding its JSON text. Entries written by other
 * tools (several fields, or not JSON) are still readable: their fields come back as an object of
 * strings, and a `d` that is not JSON comes back as its raw text.
 */
import type { RedisReply } from "../core/port.js";
import { replyStrings, unexpectedReply } from "../core/replies.js";

/** The one field a redge message is stored in. */
export const DATA_FIELD = "d";

/** A message handed to a consumer. */
export interface StreamMessage<T = unknown> {
  /** The entry id (`<ms>-<seq>`); pass it to `ack`. */
  id: string;
  data: T;
  /** How many times this message has been delivered to the group, this time included (≥ 1). */
  deliveries: number;
}

/** A message that was delivered `maxDeliveries` times without an ack and was set aside. */
export interface DeadLetter<T = unknown> {
  /** The dead-letter entry's own id (for paging and `deleteDeadLetters`). */
  id: string;
  /** The id the message had in the stream. */
  messageId: string;
  data: T;
  group: string;
  /** The consumer whose receive moved it here. */
  consumer: string;
  /** How many times it had been delivered. */
  deliveries: number;
  /** When it was moved, in ms since the epoch (server clock, from the entry id). */
  deadAt: number;
}

export function encodeData(value: unknown): string {
  return JSON.stringify(value);
}

/** Decodes an entry's field/value list into the message's data. */
export function decodeFields(fields: readonly string[]): unknown {
  if (fields.length === 2 && fields[0] === DATA_FIELD) {
    const text = fields[1]!;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) object[fields[i]!] = fields[i + 1]!;
  return object;
}

const malformed = unexpectedReply;
const strings = replyStrings;

/** The receive script's flat `id, fields, deliveries, …` reply. */
export function parseReceiveReply<T>(reply: RedisReply): StreamMessage<T>[] {
  if (!Array.isArray(reply)) throw malformed("receive");
  const messages: StreamMessage<T>[] = [];
  for (let i = 0; i + 2 < reply.length; i += 3) {
    messages.push({
      id: String(reply[i]),
      data: decodeFields(strings(reply[i + 1], "receive")) as T,
      deliveries: Number(reply[i + 2]),
    });
  }
  return messages;
}

/** `XREADGROUP`'s reply (`[[key, [[id, fields], …]]]` or nil): new messages, first delivery. */
export function parseReadGroupReply<T>(reply: RedisReply): StreamMessage<T>[] {
  if (reply === null) return [];
  if (!Array.isArray(reply)) throw malformed("XREADGROUP");
  const messages: StreamMessage<T>[] = [];
  for (const stream of reply) {
    const entries = Array.isArray(stream) ? stream[1] : undefined;
    if (!Array.isArray(entries)) throw malformed("XREADGROUP");
    for (const entry of entries) {
      if (!Array.isArray(entry)) throw malformed("XREADGROUP");
      // A nil field list: the entry was trimmed away after being delivered; nothing to hand out.
      if (entry[1] === null) continue;
      messages.push({
        id: String(entry[0]),
        data: decodeFields(strings(entry[1], "XREADGROUP")) as T,
        deliveries: 1,
      });
    }
  }
  return messages;
}

/** Dead-letter entries: `id, <message id>, group, …, consumer, …, deliveries, …`, then the message's own fields. */
export function parseDeadLetters<T>(reply: RedisReply): DeadLetter<T>[] {
  if (!Array.isArray(reply)) throw malformed("XRANGE");
  return reply.map((entry) => {
    if (!Array.isArray(entry)) throw malformed("XRANGE");
    const id = String(entry[0]);
    const fields = strings(entry[1], "XRANGE");
    const meta: Record<string, string> = {};
    for (let i = 0; i < 8 && i + 1 < fields.length; i += 2) meta[fields[i]!] = fields[i + 1]!;
    return {
      id,
      messageId: meta.id ?? "",
      data: decodeFields(fields.slice(8)) as T,
      group: meta.group ?? "",
      consumer: meta.consumer ?? "",
      deliveries: Number(meta.deliveries ?? 0),
      deadAt: Number(id.split("-", 1)[0]),
    };
  });
}

/** The group's pending summary (`XPENDING key group`). */
export interface PendingSummary {
  /** Messages delivered and not yet acknowledged. */
  count: number;
  /** Oldest and newest pending ids, `null` when nothing is pending. */
  smallestId: string | null;
  largestId: string | null;
  /** Pending messages per consumer (consumers with none are left out). */
  consumers: Record<string, number>;
}

export function parsePendingSummary(reply: RedisReply): PendingSummary {
  if (!Array.isArray(reply)) throw malformed("XPENDING");
  const [count, smallest, largest, perConsumer] = reply;
  const consumers: Record<string, number> = {};
  if (Array.isArray(perConsumer)) {
    for (const row of perConsumer) {
      if (Array.isArray(row)) consumers[String(row[0])] = Number(row[1]);
    }
  }
  return {
    count: Number(count ?? 0),
    smallestId: smallest == null ? null : String(smallest),
    largestId: largest == null ? null : String(largest),
    consumers,
  };
}

/** One pending message (`XPENDING key group … count`). */
export interface PendingMessage {
  id: string;
  consumer: string;
  /** Since the last delivery, in ms. */
  idleMs: number;
  deliveries: number;
}

export function parsePendingMessages(reply: RedisReply): PendingMessage[] {
  if (!Array.isArray(reply)) throw malformed("XPENDING");
  return reply.map((row) => {
    if (!Array.isArray(row)) throw malformed("XPENDING");
    return {
      id: String(row[0]),
      consumer: String(row[1]),
      idleMs: Number(row[2]),
      deliveries: Number(row[3]),
    };
  });
}
