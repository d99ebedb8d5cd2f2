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
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** SHA-256 of the UTF-8 encoding of `text` (lone surrogates as U+FFFD), 32 bytes. */
export function sha256Bytes(text: string): Uint8Array {
  return sha256(utf8ToBytes(text));
}

/** SHA-256 of the UTF-8 encoding of `text`, as 64 lowercase hex characters. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256Bytes(text));
}
