/**
 * How `receive` waits when nothing is there yet, per transport:
 * - TCP: a real `XREADGROUP … BLOCK` on a connection of its own from the client's bounded pool,
 *   so a blocked consumer never stalls the shared, pipelined connection;
 * - REST: blocking commands are refused (a request must not hold a server connection), so it polls
 *   with backoff — 10 ms, doubling to 200 ms — until a message arrives or the time is up.
 */
import type { RedgeClient } from "../client.js";
import { RedgeError } from "../errors.js";
import { sleep } from "../retry.js";
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
  acquireTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Blocks on a dedicated connection until a new message arrives or `until` passes. Resolves to
 * `undefined` when the transport has no dedicated connections (the caller polls instead).
 */
export async function blockForNew<T>(
  client: RedgeClient,
  read: BlockingRead,
): Promise<StreamMessage<T>[] | undefined> {
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
        ...(read.acquireTimeoutMs !== undefined ? { acquireTimeoutMs: read.acquireTimeoutMs } : {}),
        ...(read.signal ? { signal: read.signal } : {}),
      },
    );
  } catch (error) {
    if (error instanceof RedgeError && error.code === "config") return undefined;
    throw error;
  }
}

/**
 * Calls `attempt` after growing pauses until it returns messages or `until` passes; one last
 * attempt runs at the deadline, so a message that came in during the last pause is not missed.
 */
export async function pollForMessages<T>(
  attempt: () => Promise<StreamMessage<T>[]>,
  until: number,
  signal?: AbortSignal,
): Promise<StreamMessage<T>[]> {
  let delay = POLL_FIRST_DELAY_MS;
  for (;;) {
    const remaining = until - performance.now();
    if (remaining <= 0) return [];
    await sleep(Math.min(delay, remaining), signal);
    delay = Math.min(delay * 2, POLL_MAX_DELAY_MS);
    const messages = await attempt();
    if (messages.length > 0) return messages;
  }
}
