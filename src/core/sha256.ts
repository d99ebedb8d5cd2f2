/**
 * SHA-256 of text, for cache keys (hex) and token checks (bytes), from @noble/hashes: audited,
 * no dependencies, plain JavaScript, so the same code runs on Node, Workers, Vercel Edge, Deno
 * and Bun.
 *
 * Why not `crypto.subtle.digest`: it is asynchronous, and in Node each call hops to the thread
 * pool, costing about 25 µs — more than a whole GET over loopback. Cache keys are hashed on every
 * call (hits included), so the hash must be synchronous and cheap. Why not `node:crypto`: the
 * edge entry imports nothing from Node.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

// One encoder for every call: noble's utf8ToBytes builds a TextEncoder and copies its output each
// time, which profiled at 1.5 % of a cache hit in redge serve and in workerd. Short ASCII text
// (tokens, most cache keys) is copied by hand: a call into TextEncoder costs more than the loop.
const encoder = new TextEncoder();
const ASCII_BY_HAND = 256;

function utf8(text: string): Uint8Array {
  if (text.length <= ASCII_BY_HAND) {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return encoder.encode(text);
      bytes[i] = code;
    }
    return bytes;
  }
  return encoder.encode(text);
}

/** SHA-256 of the UTF-8 encoding of `text` (lone surrogates as U+FFFD), 32 bytes. */
export function sha256Bytes(text: string): Uint8Array {
  return sha256(utf8(text));
}

/** SHA-256 of the UTF-8 encoding of `text`, as 64 lowercase hex characters. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256Bytes(text));
}
