/**
 * Whether a reply Buffer was a RESP2 simple string (`+OK`) rather than a bulk string (`$2 OK`).
 *
 * ioredis reads every reply as a Buffer (`callBuffer`), so the two look alike, yet the protocol
 * tells them apart: Upstash leaves the "OK" status unencoded under `Upstash-Encoding: base64` and
 * RESP2 answers must keep the type. Its parser (redis-parser) returns a simple string as a slice
 * of the socket chunk it read, right after the `+` that started the reply and right before its
 * CRLF; a bulk string's slice follows the LF of its length line. So the byte before the slice
 * tells. A bulk string that spanned chunks is copied into a pool whose neighbouring bytes are
 * arbitrary; such a copy could look like a simple string only if those bytes happen to be `+`
 * and CRLF, and it is then still refused when its content holds CR or LF (which no simple
 * string does), so a value can never be written into a RESP2 answer as protocol. A test pins
 * this to the parser ioredis ships (test/gateway/protocol.test.ts).
 */

const PLUS = 0x2b;
const CR = 0x0d;
const LF = 0x0a;
/** Simple strings Redis sends are short words or lines (OK, PONG, QUEUED, a type name). */
const MAX_STATUS_BYTES = 256;

export function isStatusReply(reply: Buffer): boolean {
  const length = reply.byteLength;
  if (length > MAX_STATUS_BYTES || reply.byteOffset < 1) return false;
  const memory = new Uint8Array(reply.buffer);
  const start = reply.byteOffset;
  if (memory[start - 1] !== PLUS) return false;
  if (memory[start + length] !== CR || memory[start + length + 1] !== LF) return false;
  for (let i = 0; i < length; i++) {
    const byte = reply[i]!;
    if (byte === CR || byte === LF) return false;
  }
  return true;
}
