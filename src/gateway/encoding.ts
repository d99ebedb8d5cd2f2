/**
 * Turns Redis replies, read as Buffers so binary data survives, into the JSON the Upstash REST
 * protocol carries.
 *
 * With `Upstash-Encoding: base64` every string in a result is the base64 of its raw bytes, however
 * deep in nested arrays; numbers and nulls stay as they are — except the "OK" status reply of a
 * command (SET, MSET...), which Upstash documents as left unencoded and the official client
 * reads as it is. Only the status is left alone (status-reply.ts tells it from a bulk "OK"): a
 * value "OK" read by GET is encoded like any other, so a client that decodes every string still
 * reads it right. Without the header, strings are sent as UTF-8 text (invalid sequences become
 * U+FFFD).
 */
import { isStatusReply } from "./status-reply.js";

/** A reply in JSON form: what goes in `{"result": ...}`. */
export type JsonReply = string | number | null | JsonReply[];

const OK = Buffer.from("OK");

/** The `Upstash-Encoding` request header asks for base64 results. */
export function wantsBase64(header: string | undefined): boolean {
  return header?.trim().toLowerCase() === "base64";
}

function encodeBytes(bytes: Buffer, base64: boolean): string {
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}

/**
 * The gateway reads integer replies as text (ioredis `stringNumbers`) while strings come as
 * Buffers, so integers beyond 2^53 are not rounded: a safe integer becomes a JSON number, a larger
 * one stays exact as a string of digits (encoded like any string).
 */
function integerReply(digits: string, base64: boolean): JsonReply {
  const value = Number(digits);
  if (/^-?\d+$/.test(digits) && Number.isSafeInteger(value)) return value;
  return base64 ? Buffer.from(digits).toString("base64") : digits;
}

/**
 * Encodes one reply. ioredis gives Buffers for bulk and status strings, text or numbers for integers,
 * null for nil, arrays (possibly nested), and Error objects for errors nested in an array (a Lua
 * script returning `{err=...}` inside a table): those become their message, as a string.
 */
export function encodeReply(reply: unknown, base64: boolean): JsonReply {
  if (reply === null || reply === undefined) return null;
  if (Buffer.isBuffer(reply)) return encodeBytes(reply, base64);
  if (typeof reply === "number") return reply;
  if (typeof reply === "string") return integerReply(reply, base64);
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  if (typeof reply === "bigint") return String(reply);
  // Not a shape RESP2 produces; answer with text rather than failing the request.
  return encodeReply(String(reply), base64);
}

/**
 * Encodes a command's whole reply, what goes in `{"result": ...}`: as `encodeReply`, but the "OK"
 * status stays "OK" under base64, as Upstash answers it.
 */
export function encodeResult(reply: unknown, base64: boolean): JsonReply {
  if (base64 && Buffer.isBuffer(reply) && reply.equals(OK) && isStatusReply(reply)) return "OK";
  return encodeReply(reply, base64);
}
