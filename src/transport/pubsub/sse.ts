/**
 * Reading the Upstash REST protocol's pub/sub event stream (`POST /subscribe/<channel>…` with
 * `Accept: text/event-stream`): server-sent events whose data is `subscribe,<channel>,<count>`,
 * `psubscribe,<pattern>,<count>`, `message,<channel>,<message>` or
 * `pmessage,<pattern>,<channel>,<message>`; comment lines (`: keep-alive`) are skipped.
 *
 * Framing follows the SSE standard: an event ends at a blank line and its `data:` lines are joined
 * with "\n" (so a message holding newlines arrives whole). Edge-safe: Web streams only.
 */
import type { PortPubSubEvent, PubSubTargets } from "../../core/port.js";
import { globMatch } from "./glob.js";

/** The longest event accepted (characters); a larger one fails the stream rather than grow without bound. */
export const MAX_EVENT_CHARS = 64 * 1024 * 1024;

/** Splits a byte stream into the data of each server-sent event. */
export async function* sseData(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxEventChars = MAX_EVENT_CHARS,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] | undefined;
  let size = 0;
  // A "\r" ending a chunk may be the first half of "\r\n": the "\n" must not end a second line.
  let skipLf = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 10 && skipLf && i === start) {
        skipLf = false;
        start = i + 1;
        continue;
      }
      skipLf = false;
      const line = buffer.slice(start, i);
      if (c === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          skipLf = true;
        }
      }
      start = i + 1;
      if (line === "") {
        if (data) yield data.join("\n");
        data = undefined;
        size = 0;
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      if (field !== "data") continue;
      let text = colon < 0 ? "" : line.slice(colon + 1);
      if (text.startsWith(" ")) text = text.slice(1);
      size += text.length;
      if (size > maxEventChars) break;
      if (data) data.push(text);
      else data = [text];
    }
    buffer = buffer.slice(start);
    if (size > maxEventChars || buffer.length > maxEventChars) {
      throw new Error(`an event is longer than ${maxEventChars} characters`);
    }
  }
}

/**
 * Decodes one event's data into a pub/sub event, or `undefined` for anything else (an
 * `unsubscribe` echo, a type this client does not know). Channel and pattern names may hold
 * commas: the names this stream subscribed to, and for `pmessage` the pattern's glob, tell where
 * each one ends.
 */
export function decodeEvent(data: string, targets: PubSubTargets): PortPubSubEvent | undefined {
  const comma = data.indexOf(",");
  if (comma < 0) return undefined;
  const type = data.slice(0, comma);
  const rest = data.slice(comma + 1);
  switch (type) {
    case "subscribe":
    case "psubscribe": {
      const last = rest.lastIndexOf(",");
      if (last < 0) return undefined;
      const count = Number(rest.slice(last + 1));
      if (!Number.isInteger(count)) return undefined;
      const kind = type === "subscribe" ? "channel" : "pattern";
      return { type: "subscribed", kind, name: rest.slice(0, last), count };
    }
    case "message": {
      const channel = knownPrefix(rest, targets.channels) ?? upToComma(rest);
      if (channel === undefined) return undefined;
      return { type: "message", channel, message: rest.slice(channel.length + 1) };
    }
    case "pmessage": {
      const pattern = knownPrefix(rest, targets.patterns) ?? upToComma(rest);
      if (pattern === undefined) return undefined;
      const tail = rest.slice(pattern.length + 1);
      const channel = channelMatching(tail, pattern);
      if (channel === undefined) return undefined;
      return { type: "pmessage", pattern, channel, message: tail.slice(channel.length + 1) };
    }
    default:
      return undefined;
  }
}

/** The longest of `names` that `text` starts with, followed by a comma. */
function knownPrefix(text: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const name of names) {
    if (text.length > name.length && text.startsWith(name) && text[name.length] === ",") {
      if (best === undefined || name.length > best.length) best = name;
    }
  }
  return best;
}

function upToComma(text: string): string | undefined {
  const comma = text.indexOf(",");
  return comma < 0 ? undefined : text.slice(0, comma);
}

/** The shortest prefix of `text` ending before a comma that `pattern` matches (else the first). */
function channelMatching(text: string, pattern: string): string | undefined {
  for (let i = text.indexOf(","); i >= 0; i = text.indexOf(",", i + 1)) {
    const candidate = text.slice(0, i);
    if (globMatch(pattern, candidate)) return candidate;
  }
  return upToComma(text);
}
