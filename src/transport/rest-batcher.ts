/**
 * Auto-pipelining for the REST transport: the single commands issued in one turn of the event
 * loop's microtask queue (64 concurrent `get`s, a `Promise.all` of writes) go out as one
 * `/pipeline` request instead of one HTTP request each, which is most of what a REST command
 * costs. Each command keeps its own outcome and its own deadline:
 * - a command's error reply rejects that command only;
 * - a command whose signal fires (timeout, abort) stops waiting at once; the request is abandoned
 *   only when every command in it stopped waiting;
 * - a request the server refuses as a whole for one command's sake (the redge gateway checks every
 *   command of a pipeline before any runs: 400 for a denied one, 403 for a read-only token) is
 *   sent again one command at a time, so every command gets its own verdict and none is refused
 *   for a neighbour's;
 * - a fault of the request itself (unreachable, 503, lost connection) reaches every command, and
 *   each one's retry policy decides, as when it was sent alone.
 * Transactions and explicit pipelines are never merged with anything (see rest.ts). A command
 * issued alone goes out alone, as a plain `POST /`. Edge-safe.
 */
import { CommandError } from "../core/errors.js";
import type { RedisCommand } from "../core/port.js";

export interface BatchEntry {
  command: RedisCommand;
  signal: AbortSignal | undefined;
  resolve(result: { result?: unknown; error?: string }): void;
  reject(error: unknown): void;
}

export interface BatchSender {
  /** One command alone (`POST /`), resolving with `{ result } | { error }`. */
  single(entry: BatchEntry): void;
  /** Several as `/pipeline`, resolving with one `{ result } | { error }` per command. */
  pipeline(commands: readonly RedisCommand[], signal: AbortSignal): Promise<unknown>;
  /** The typed error for a failed request (signal: the entry's own, to tell an abort). */
  mapError(error: unknown, signal: AbortSignal | undefined, command: string | undefined): Error;
}

export function createRestBatcher(sender: BatchSender): (entry: BatchEntry) => void {
  let queue: BatchEntry[] | undefined;

  const flush = () => {
    const batch = (queue ?? []).filter((entry) => {
      if (!entry.signal?.aborted) return true;
      entry.reject(sender.mapError(undefined, entry.signal, String(entry.command[0])));
      return false;
    });
    queue = undefined;
    if (batch.length === 0) return;
    if (batch.length === 1) {
      sender.single(batch[0]!);
      return;
    }
    send(batch);
  };

  const send = (batch: BatchEntry[]) => {
    // The request is abandoned once no command waits for it any more.
    const controller = new AbortController();
    let waiting = batch.length;
    const settled = new Set<BatchEntry>();
    const settle = (entry: BatchEntry, outcome: () => void) => {
      if (settled.has(entry)) return;
      settled.add(entry);
      outcome();
    };
    for (const entry of batch) {
      entry.signal?.addEventListener(
        "abort",
        () => {
          settle(entry, () =>
            entry.reject(sender.mapError(undefined, entry.signal, String(entry.command[0]))),
          );
          if (--waiting === 0) controller.abort();
        },
        { once: true },
      );
    }
    sender
      .pipeline(
        batch.map((entry) => entry.command),
        controller.signal,
      )
      .then(
        (response) => {
          if (!Array.isArray(response) || response.length !== batch.length) {
            const error = new Error("The REST server sent a malformed pipeline reply");
            for (const entry of batch) settle(entry, () => entry.reject(error));
            return;
          }
          batch.forEach((entry, i) => {
            settle(entry, () => entry.resolve(response[i] as { result?: unknown; error?: string }));
          });
        },
        (error: unknown) => {
          const mapped = sender.mapError(error, undefined, undefined);
          if (mapped instanceof CommandError) {
            // Refused as a whole for one command's sake: each on its own, for its own verdict.
            for (const entry of batch) if (!settled.has(entry)) sender.single(entry);
            return;
          }
          for (const entry of batch) {
            settle(entry, () =>
              entry.reject(sender.mapError(error, entry.signal, String(entry.command[0]))),
            );
          }
        },
      );
  };

  return (entry) => {
    if (!queue) {
      queue = [];
      queueMicrotask(flush);
    }
    queue.push(entry);
  };
}
