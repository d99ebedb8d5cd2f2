/**
 * Reads a request body straight from Node's `IncomingMessage`, which @hono/node-server hands
 * over as `c.env.incoming`: going through the web `Request` instead builds an undici Request, an
 * AbortController and a web stream per request, which cost more than the whole Redis round trip
 * of a small command. Stops (without buffering more) once the body passes `maxBytes` or the
 * shared `budget` is spent, and gives the bytes back to the budget when done. Typed by shape and
 * free of `node:` imports, so modules that use it stay edge-safe (on the edge there is no
 * `incoming` and the web body is read instead).
 */
import type { ByteBudget } from "./byte-budget.js";

export interface NodeIncoming {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
}

/** The Node request behind a Hono context, when the app runs on @hono/node-server. */
export function nodeIncoming(env: unknown): NodeIncoming | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming;
  return incoming && typeof (incoming as NodeIncoming).on === "function"
    ? (incoming as NodeIncoming)
    : undefined;
}

export type IncomingRead =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: "too-large" | "busy" };

export function readIncoming(
  incoming: NodeIncoming,
  maxBytes: number,
  budget: ByteBudget,
): Promise<IncomingRead> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: IncomingRead | Error) => {
      if (settled) return;
      settled = true;
      incoming.removeListener("data", onData);
      incoming.removeListener("end", onEnd);
      incoming.removeListener("close", onClose);
      incoming.removeListener("error", onError);
      budget.give(size);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Uint8Array) => {
      if (size + chunk.byteLength > maxBytes || !budget.take(chunk.byteLength)) {
        // Stop reading: the refusal goes out and the server closes the connection behind it.
        incoming.pause();
        finish({ ok: false, reason: size + chunk.byteLength > maxBytes ? "too-large" : "busy" });
        return;
      }
      size += chunk.byteLength;
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, bytes: concat(chunks, size) });
    // A client that goes away mid-upload: its bytes are given back at once. (The error is made
    // only then: an Error's stack costs more than the rest of reading a small body.)
    const onClose = () => {
      if (!settled) finish(new Error("the request was aborted"));
    };
    const onError = (error: Error) => finish(error);
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("close", onClose);
    incoming.on("error", onError);
  });
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}
