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
import { readLimited } from "../web/read-limited.js";

export type BodyResult =
  | { ok: true; text: string }
  | { ok: false; reason: "too-large" | "busy" | "not-utf8" };

interface NodeIncoming {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
  pause(): unknown;
  readableEnded?: boolean;
}

function nodeIncoming(c: Context): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming && typeof (incoming as NodeIncoming).on === "function"
    ? (incoming as NodeIncoming)
    : undefined;
}

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
  const incoming = nodeIncoming(c);
  return incoming
    ? readIncoming(incoming, maxBytes, budget)
    : readWebBody(c.req.raw, maxBytes, budget);
}

function readIncoming(
  incoming: NodeIncoming,
  maxBytes: number,
  budget: ByteBudget,
): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult | Error) => {
      if (settled) return;
      settled = true;
      incoming.removeAllListeners("data");
      budget.give(size);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    incoming.on("data", (chunk: Buffer) => {
      if (size + chunk.length > maxBytes || !budget.take(chunk.length)) {
        // Stop reading: the refusal goes out and the server closes the connection behind it.
        incoming.pause();
        finish({ ok: false, reason: size + chunk.length > maxBytes ? "too-large" : "busy" });
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    incoming.on("end", () =>
      finish(decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))),
    );
    // A client that goes away mid-upload: its bytes are given back at once.
    incoming.on("close", () => finish(new Error("the request was aborted")));
    incoming.on("error", (error) => finish(error));
  });
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
