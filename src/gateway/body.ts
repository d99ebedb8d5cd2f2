/**
 * Reads a request body as text, refusing it once it passes `maxBytes` without buffering more.
 *
 * Under @hono/node-server the body is read straight from Node's `IncomingMessage` (passed as
 * `c.env.incoming`): going through the web `Request` builds an undici Request and a web stream per
 * request, which cost more than the whole Redis round trip of a SET. Elsewhere (tests calling
 * `fetch` directly, other hosts) the web body stream is read with the same limit.
 */
import type { Context } from "hono";
import { readLimited } from "../web/read-limited.js";

export type BodyResult = { ok: true; text: string } | { ok: false; tooLarge: true };

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

export async function readBody(c: Context, maxBytes: number): Promise<BodyResult> {
  if (declaredTooLarge(c, maxBytes)) return { ok: false, tooLarge: true };
  const incoming = nodeIncoming(c);
  return incoming ? readIncoming(incoming, maxBytes) : readWebBody(c.req.raw, maxBytes);
}

function readIncoming(incoming: NodeIncoming, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      incoming.removeAllListeners("data");
      resolve(result);
    };
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop reading: the 413 goes out and the server closes the connection behind it.
        incoming.pause();
        finish({ ok: false, tooLarge: true });
        return;
      }
      chunks.push(chunk);
    });
    incoming.on("end", () =>
      finish({
        ok: true,
        text:
          chunks.length === 1
            ? chunks[0]!.toString("utf8")
            : Buffer.concat(chunks).toString("utf8"),
      }),
    );
    incoming.on("error", reject);
  });
}

async function readWebBody(request: Request, maxBytes: number): Promise<BodyResult> {
  if (!request.body) return { ok: true, text: "" };
  const bytes = await readLimited(request.body, maxBytes);
  return bytes
    ? { ok: true, text: new TextDecoder().decode(bytes) }
    : { ok: false, tooLarge: true };
}
