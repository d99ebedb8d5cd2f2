/**
 * Reading a stream's lifecycle events (`ps:{name}:ev`, written inside the scripts: see
 * lib/events.lua). One entry per operation: its type, the ids it concerned and, for nacks and
 * dead letters, the reason.
 *
 * - Without `blockMs`: one non-blocking `XREAD` (a read: read-only tokens may call it).
 * - TCP with `blockMs`: a blocking `XREAD … BLOCK` on a pooled connection of its own, so the
 *   shared, pipelined connection never waits (the same pool a stream queue's receive uses); when
 *   no pooled connection is free it falls back to polling.
 * - REST with `blockMs`: the gateway refuses blocking commands (a request must not hold a server
 *   connection), so it polls, 10 ms doubling to 200 ms, until an event arrives or the time is up.
 */
import type { CoreClient } from "../core/client.js";
import { AcquireTimeoutError, RedgeError } from "../core/errors.js";
import type { RedisReply } from "../core/port.js";
import { unexpectedReply } from "../core/replies.js";
import { sleep } from "../core/retry.js";
import { DEFAULT_EVENTS_COUNT, type EventsOptions } from "./schemas.js";

/** What happened: one entry per operation. */
export type PriorityEventType =
  | "added"
  | "promoted"
  | "leased"
  | "pulled"
  | "acked"
  | "nacked"
  | "dead-lettered"
  | "removed";

export interface PriorityEvent {
  /** The entry's id (`<ms>-<seq>`): pass the last one as the next `from`. */
  id: string;
  type: PriorityEventType;
  /** The ids of the items it concerned. */
  ids: string[];
  /** A nack's reason, "lease expired", or "requeued" (dead letters added back). */
  reason?: string;
  /** When it happened (server ms, from the id). */
  at: number;
}

const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 200;

export async function readEvents(
  client: CoreClient,
  key: string,
  o: EventsOptions,
): Promise<PriorityEvent[]> {
  const count = o.count ?? DEFAULT_EVENTS_COUNT;
  const blockMs = o.blockMs ?? 0;
  let from = o.from ?? "0";
  const until = performance.now() + blockMs;
  if (from === "$" && (blockMs === 0 || client.transport !== "tcp"))
    from = await latestEventId(client, key);
  const read = async () =>
    parseEvents(await client.command(["XREAD", "COUNT", count, "STREAMS", key, from]));

  if (blockMs > 0 && client.transport === "tcp") {
    const blocked = await blockingRead(client, key, from, count, until, o.signal);
    if (blocked !== "busy") return blocked;
    if (from === "$") from = await latestEventId(client, key);
  }
  let events = await read();
  let delay = POLL_FIRST_MS;
  while (events.length === 0) {
    const left = until - performance.now();
    if (left <= 0) return events;
    await sleep(Math.min(delay, left), o.signal);
    delay = Math.min(delay * 2, POLL_MAX_MS);
    events = await read();
  }
  return events;
}

/** The id of the newest event, or "0-0": what "$" means for a read that does not block. */
export async function latestEventId(client: CoreClient, key: string): Promise<string> {
  const reply = await client.command(["XREVRANGE", key, "+", "-", "COUNT", 1]);
  const first = Array.isArray(reply) ? reply[0] : undefined;
  return Array.isArray(first) ? String(first[0]) : "0-0";
}

async function blockingRead(
  client: CoreClient,
  key: string,
  from: string,
  count: number,
  until: number,
  signal: AbortSignal | undefined,
): Promise<PriorityEvent[] | "busy"> {
  try {
    return await client.withDedicatedConnection(
      async (connection) => {
        const blockMs = Math.max(1, Math.ceil(until - performance.now()));
        const reply = await connection.command(
          ["XREAD", "COUNT", count, "BLOCK", blockMs, "STREAMS", key, from],
          { timeoutMs: blockMs + client.commandTimeoutMs, ...(signal ? { signal } : {}) },
        );
        return parseEvents(reply);
      },
      { acquireTimeoutMs: 0, shareKey: key, ...(signal ? { signal } : {}) },
    );
  } catch (error) {
    if (error instanceof AcquireTimeoutError) return "busy";
    if (error instanceof RedgeError && error.code === "config") return "busy";
    throw error;
  }
}

/** `XREAD`'s reply (`[[key, [[id, [field, value, …]], …]]]` or nil) as events. */
export function parseEvents(reply: RedisReply): PriorityEvent[] {
  if (reply === null) return [];
  if (!Array.isArray(reply)) throw unexpectedReply("XREAD of a priority stream's events");
  const events: PriorityEvent[] = [];
  for (const stream of reply) {
    const entries = Array.isArray(stream) ? stream[1] : undefined;
    if (!Array.isArray(entries)) throw unexpectedReply("XREAD of a priority stream's events");
    for (const entry of entries) {
      if (!Array.isArray(entry) || !Array.isArray(entry[1])) continue;
      const id = String(entry[0]);
      const fields = entry[1] as RedisReply[];
      const event: PriorityEvent = { id, type: "added", ids: [], at: Number(id.split("-", 1)[0]) };
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const value = String(fields[i + 1]);
        if (fields[i] === "t") event.type = value as PriorityEventType;
        else if (fields[i] === "i") event.ids = value === "" ? [] : value.split("\n");
        else if (fields[i] === "r") event.reason = value;
      }
      events.push(event);
    }
  }
  return events;
}
