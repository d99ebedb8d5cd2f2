/**
 * Reads a request body, refusing it once it passes `maxBytes` without buffering more: as text for
 * JSON bodies, refusing bytes that are not UTF-8 (decoding would replace them with U+FFFD, so
 * different keys would become one), or as raw bytes for path-style commands, whose body is an
 * argument byte for byte.
 *
 * Under @hono/node-server the body is read straight from Node's `IncomingMessage` (passed as
 * `c.env.incoming`): going through the web `Request` builds an undici Request and a web stream per
 * request, which cost more than the whole Redis round trip of a SET. Elsewhere (tests calling
 * `fetch` directly, other hosts) the web body stream is read with the same limits. Bytes being
 * read count against the gateway-wide `budget` (see web/byte-budget.ts).
 */
import { isUtf8 } from "node:buffer";
import type { Context } from "hono";
import type { ByteBudget } from "../web/byte-budget.js";
import { type NodeIncoming, nodeIncoming, readIncoming } from "../web/read-incoming.js";
import { readLimited } from "../web/read-limited.js";

export type BodyResult =
  | { ok: true; text: string }
  | { ok: false; reason: "too-large" | "busy" | "not-utf8" };

/** The raw bytes of a body (path-style commands append them as they are, binary included). */
export type BytesResult = { ok: true; bytes: Buffer } | { ok: false; reason: "too-large" | "busy" };

/** The reply to a refused body: its status and error message, by reason. */
export const BODY_REFUSALS = {
  "too-large": (max: number) => ({
    status: 413 as const,
    message: `ERR the request body is larger than ${max} bytes`,
  }),
  busy: () => ({
    status: 503 as const,
    message:
      "UNAVAILABLE the gateway is holding as many request bodies as it may; try again shortly",
  }),
  "not-utf8": () => ({ status: 400 as const, message: "ERR the request body is not valid UTF-8" }),
};

function declaredTooLarge(c: Context, maxBytes: number): boolean {
  const declared = c.req.header("content-length");
  return declared !== undefined && Number(declared) > maxBytes;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a body as UTF-8 text (JSON bodies). */
export async function readBody(
  c: Context,
  maxBytes: number,
  budget: ByteBudget,
): Promise<BodyResult> {
  const read = await readBodyBytes(c, maxBytes, budget);
  return read.ok ? decode(read.bytes) : read;
}

/** UTF-8 text, refusing bytes that are not UTF-8 (decoding would replace them with U+FFFD). */
function decode(bytes: Uint8Array): BodyResult {
  const buffer = asBuffer(bytes);
  if (!isUtf8(buffer)) return { ok: false, reason: "not-utf8" };
  return { ok: true, text: buffer.toString("utf8") };
}

/** Reads a body's bytes, with the same limits. */
export async function readBodyBytes(
  c: Context,
  maxBytes: number,
  budget: ByteBudget,
): Promise<BytesResult> {
  if (declaredTooLarge(c, maxBytes)) return { ok: false, reason: "too-large" };
  const incoming = nodeIncoming(c.env);
  const read = incoming
    ? await readIncoming(incoming, maxBytes, budget)
    : c.req.raw.body
      ? await readLimited(c.req.raw.body, maxBytes, budget)
      : { ok: true as const, bytes: new Uint8Array(0) };
  return read.ok ? { ok: true, bytes: asBuffer(read.bytes) } : { ok: false, reason: read.reason };
}

/** The body of a Node request, as `readBody` reads it (for the gateway's Node fast path). */
export async function readIncomingText(
  incoming: NodeIncoming,
  contentLength: string | undefined,
  maxBytes: number,
  budget: ByteBudget,
): Promise<BodyResult> {
  if (contentLength !== undefined && Number(contentLength) > maxBytes) {
    return { ok: false, reason: "too-large" };
  }
  const read = await readIncoming(incoming, maxBytes, budget);
  return read.ok ? decode(read.bytes) : { ok: false, reason: read.reason };
}
