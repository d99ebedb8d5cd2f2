/**
 * RESP2, the bytes a TCP client of Redis reads, for `Upstash-Response-Format: resp2`: Upstash
 * then answers with the raw reply (`+OK\r\n`, `$3\r\nbar\r\n`) as `application/octet-stream`.
 *
 * Replies come from ioredis as the gateway reads them (redis.ts): Buffers for bulk and simple
 * strings (told apart by status-reply.ts), text for integers (`stringNumbers`), null for nil,
 * arrays, and Error objects for errors nested in an array. A nil reply is written as the nil bulk
 * string (`$-1`): ioredis reads a nil array as null too, and RESP2 clients treat both as nil.
 */
import { isStatusReply } from "./status-reply.js";

const CRLF = Buffer.from("\r\n");

function line(prefix: string, text: string): Buffer {
  return Buffer.from(`${prefix}${text}\r\n`);
}

/** An error message on one line: RESP2 has no way to carry CR or LF inside an error. */
function errorLine(message: string): Buffer {
  return line("-", message.replace(/[\r\n]+/g, " "));
}

function encodeInto(reply: unknown, out: Buffer[]): void {
  if (reply === null || reply === undefined) {
    out.push(line("$", "-1"));
  } else if (Buffer.isBuffer(reply)) {
    if (isStatusReply(reply)) {
      out.push(Buffer.from("+"), reply, CRLF);
    } else {
      out.push(line("$", String(reply.byteLength)), reply, CRLF);
    }
  } else if (typeof reply === "string" || typeof reply === "number" || typeof reply === "bigint") {
    out.push(line(":", String(reply)));
  } else if (Array.isArray(reply)) {
    out.push(line("*", String(reply.length)));
    for (const item of reply) encodeInto(item, out);
  } else if (reply instanceof Error) {
    out.push(errorLine(reply.message));
  } else {
    const text = Buffer.from(String(reply));
    out.push(line("$", String(text.byteLength)), text, CRLF);
  }
}

/** One reply as RESP2 bytes. */
export function encodeResp2(reply: unknown): Buffer {
  const out: Buffer[] = [];
  encodeInto(reply, out);
  return Buffer.concat(out);
}

/** A pipeline's replies, one after the other as a TCP pipeline reads them; errors as `-` lines. */
export function encodeResp2Outcomes(
  outcomes: readonly ({ ok: true; reply: unknown } | { ok: false; error: Error })[],
): Buffer {
  const out: Buffer[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) encodeInto(outcome.reply, out);
    else out.push(errorLine(outcome.error.message));
  }
  return Buffer.concat(out);
}
