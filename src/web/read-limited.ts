/**
 * Reads a web body stream whole, giving up (and cancelling the stream) once it passes `maxBytes`,
 * so an oversized body is never buffered past the limit whatever its Content-Length said. Used by
 * the gateway (outside Node's own request) and by the edge app's body limit. Bytes held while
 * reading count against `budget` (shared by all requests); they are given back before this
 * returns, once the body is one buffer the caller owns. Edge-safe.
 */
import { type ByteBudget, UNLIMITED } from "./byte-budget.js";

export type LimitedRead =
  | { ok: true; bytes: Uint8Array<ArrayBuffer> }
  | { ok: false; reason: "too-large" | "busy" };

export async function readLimited(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  budget: ByteBudget = UNLIMITED,
): Promise<LimitedRead> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes || !budget.take(value.byteLength)) {
        const reason = size > maxBytes ? "too-large" : "busy";
        size -= value.byteLength;
        await reader.cancel().catch(() => {});
        return { ok: false, reason };
      }
      chunks.push(value);
    }
    const whole = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      whole.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { ok: true, bytes: whole };
  } finally {
    budget.give(size);
  }
}
