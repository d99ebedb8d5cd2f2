/**
 * Server-Sent Events as Upstash sends them and the official client reads them: one event per
 * Redis push, `data: <kind>,<name>,<payload>` and a blank line — `subscribe,chat,1`,
 * `message,chat,hello`, `pmessage,chat:*,chat:1,hello` — and `: keep-alive` comments between.
 *
 * Bytes are copied as Redis gave them; the client decodes the stream as UTF-8 (invalid sequences
 * become U+FFFD there). A line break inside a message (or a channel a pattern matched) cannot
 * appear inside a `data:` line, so the event is split into several `data:` lines at CR, LF or
 * CRLF, as the SSE format says: an EventSource joins them back with LF. (The official client
 * reads each `data:` line as an event of its own; JSON messages, which it sends, hold no raw line
 * breaks.)
 */

const DATA = Buffer.from("data: ");
const COMMA = Buffer.from(",");
const END = Buffer.from("\n\n");
const LF = 0x0a;
const CR = 0x0d;

export const KEEP_ALIVE = Buffer.from(": keep-alive\n\n");

function hasLineBreak(bytes: Buffer): boolean {
  return bytes.includes(LF) || bytes.includes(CR);
}

/** Splits at CR, LF and CRLF, each line as a `data:` line. */
function multiline(payload: Buffer): Buffer {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    const byte = payload[i];
    if (byte !== LF && byte !== CR) continue;
    out.push(DATA, payload.subarray(start, i), Buffer.from("\n"));
    if (byte === CR && payload[i + 1] === LF) i++;
    start = i + 1;
  }
  out.push(DATA, payload.subarray(start), END);
  return Buffer.concat(out);
}

/** One event: its parts joined by commas (`message`, channel, message). */
export function sseEvent(parts: readonly (string | Buffer)[]): Buffer {
  const pieces: Buffer[] = [];
  parts.forEach((part, i) => {
    if (i > 0) pieces.push(COMMA);
    pieces.push(typeof part === "string" ? Buffer.from(part) : part);
  });
  const payload = Buffer.concat(pieces);
  return hasLineBreak(payload) ? multiline(payload) : Buffer.concat([DATA, payload, END]);
}
