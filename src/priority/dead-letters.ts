/**
 * Dead letters as the scripts store them (lib/retry.lua): `:dl` maps an id to
 * `attempts|deadAt|priority|reason`, a line feed and the item's tagged payload (a reason holds no
 * control characters).
 */
import { unexpectedReply } from "../core/replies.js";
import { decodeData, PREFIX_LENGTH } from "./codec.js";

export interface DeadLetter<T = unknown> {
  id: string;
  data: T;
  /** Its priority when it died (requeueing gives it this one). */
  priority: number;
  /** How many times it had been handed out. */
  attempts: number;
  /** The last failure's reason: the nack's, or "lease expired". */
  reason: string;
  /** When it became a dead letter (server ms). */
  deadAt: number;
}

export function decodeDeadLetter<T>(id: string, record: string): DeadLetter<T> {
  const fields: number[] = [];
  let at = 0;
  for (let i = 0; i < 3; i++) {
    const bar = record.indexOf("|", at);
    if (bar < 0) throw unexpectedReply("a dead letter's record");
    fields.push(Number(record.slice(at, bar)));
    at = bar + 1;
  }
  const [attempts, deadAt, priority] = fields as [number, number, number];
  const end = record.indexOf("\n", at);
  if (end < 0) throw unexpectedReply("a dead letter's record");
  const reason = record.slice(at, end);
  // decodeData reads a stored value, which starts with the 16-character prefix.
  const data = decodeData(" ".repeat(PREFIX_LENGTH) + record.slice(end + 1)) as T;
  return { id, data, priority: priority === 0 ? 0 : priority, attempts, reason, deadAt };
}
