/**
 * How `receive` waits when nothing is there yet:
 * - TCP: a real `XREADGROUP … BLOCK` on a connection of its own from the client's bounded pool,
 *   so a blocked consumer never stalls the shared, pipelined connection. The blocked readers of
 *   one stream hold at most half the pool (the stream is the pool's share key), and a receive
 *   that finds no connection free for it does not queue behind the others: it polls, as over
 *   REST, and takes a connection as soon as one is free. So a stream with many blocked readers
 *   cannot starve a receive on another stream, and no receive waits past its `blockMs`.
 * - REST: blocking commands are refused (a request must not hold a server connection), so it polls
 *   with backoff — 10 ms, doubling to 200 ms — until a message arrives or the time is up.
 */
import type { CoreClient } from "../core/client.js";
import { AcquireTimeoutError, RedgeError } from "../core/errors.js";
import { sleep } from "../core/retry.js";
import { parseReadGroupReply, type StreamMessage } from "./codec.js";

export const POLL_FIRST_DELAY_MS = 10;
export const POLL_MAX_DELAY_MS = 200;

export interface BlockingRead {
  key: string;
  group: string;
  consumer: string;
  count: number;
  /** When to stop waiting, as a `performance.now()` time. */
  until: number;
  /** TCP: how long each try may wait for a free blocking connection (default 0: not at all). */
  acquireTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Waits until a message arrives or `read.until` passes; `attempt` is one non-blocking receive.
 * On TCP each round first tries to block on a pooled connection (for the time left); when none
 * is free for this stream it polls once after a growing pause and tries again. One last attempt
 * runs at the deadline, so a message that came in during the last pause is not missed.
 */
export async function waitForMessages<T>(
  client: CoreClient,
  read: BlockingRead,
  attempt: () => Promise<StreamMessage<T>[]>,
): Promise<StreamMessage<T>[]> {
  let canBlock = client.transport === "tcp";
  let delay = POLL_FIRST_DELAY_MS;
  for (;;) {
    if (canBlock) {
      const blocked = await blockForNew<T>(client, read);
      if (blocked === "unsupported") canBlock = false;
      else if (blocked !== "busy") return blocked;
    }
    const remaining = read.until - performance.now();
    if (remaining <= 0) return [];
    await sleep(Math.min(delay, remaining), read.signal);
    delay = Math.min(delay * 2, POLL_MAX_DELAY_MS);
    const messages = await attempt();
    if (messages.length > 0) return messages;
  }
}

/**
 * Blocks on a dedicated connection until a new message arrives or `until` passes. Resolves
 * `"busy"` when no connection was free for this stream in time (the caller polls and tries
 * again), `"unsupported"` when the transport has no dedicated connections.
 */
export async function blockForNew<T>(
  client: CoreClient,
  read: BlockingRead,
): Promise<StreamMessage<T>[] | "busy" | "unsupported"> {
  const left = read.until - performance.now();
  if (left <= 0) return [];
  try {
    return await client.withDedicatedConnection(
      async (connection) => {
        // Waiting for the connection used part of the time; BLOCK 0 would mean "forever".
        const blockMs = Math.max(1, Math.ceil(read.until - performance.now()));
        const reply = await connection.command(
          [
            "XREADGROUP",
            "GROUP",
            read.group,
            read.consumer,
            "COUNT",
            read.count,
            "BLOCK",
            blockMs,
            "STREAMS",
            read.key,
            ">",
          ],
          {
            timeoutMs: blockMs + client.commandTimeoutMs,
            ...(read.signal ? { signal: read.signal } : {}),
          },
        );
        return parseReadGroupReply<T>(reply);
      },
      {
        acquireTimeoutMs: Math.min(read.acquireTimeoutMs ?? 0, Math.ceil(left)),
        shareKey: read.key,
        ...(read.signal ? { signal: read.signal } : {}),
      },
    );
  } catch (error) {
    if (error instanceof AcquireTimeoutError) return "busy";
    if (error instanceof RedgeError && error.code === "config") return "unsupported";
    throw error;
  }
}
