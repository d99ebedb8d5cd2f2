/**
 * Reads a request body as text, refusing it once it passes `maxBytes` without buffering more, and
 * refusing bytes that are not UTF-8 (decoding would replace them with U+FFFD, so different keys
 * would become one).
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
import { nodeIncoming, readIncoming } from "../web/read-incoming.js";
import { readLimited } from "../web/read-limited.js";

export type BodyResult =
  | { ok: true; text: string }
  | { ok: false; reason: "too-large" | "busy" | "not-utf8" };

function declaredTooLarge(c: Context, maxBytes: number): boolean {
  const declared = c.req.header("content-length");
  return declared !== undefined && Number(declared) > maxBytes;
}

function decode(bytes: Uint8Array): BodyResult {
  if (!isUtf8(bytes)) return { ok: false, reason: "not-utf8" };
  return {
    ok: true,
    text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
  };
}

export async function readBody(
  c: Context,
  maxBytes: number,
  budget: ByteBudget,
): Promise<BodyResult> {
  if (declaredTooLarge(c, maxBytes)) return { ok: false, reason: "too-large" };
  const incoming = nodeIncoming(c.env);
  if (!incoming) return readWebBody(c.req.raw, maxBytes, budget);
  const read = await readIncoming(incoming, maxBytes, budget);
  return read.ok ? decode(read.bytes) : { ok: false, reason: read.reason };
}

async function readWebBody(
  request: Request,
  maxBytes: number,
  budget: ByteBudget,
): Promise<BodyResult> {
  if (!request.body) return { ok: true, text: "" };
  const read = await readLimited(request.body, maxBytes, budget);
  return read.ok ? decode(read.bytes) : { ok: false, reason: read.reason };
}
