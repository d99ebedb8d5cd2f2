/**
 * Constant-time comparison of secrets (bearer tokens), safe for every runtime `fetch` runs on.
 *
 * No `node:` import: the edge app reuses this module on Workers and Vercel Edge. Both sides are
 * hashed with SHA-256 first, so the comparison always walks 32 bytes whatever the inputs' lengths:
 * neither the position of the first differing character nor the length of the configured secret
 * leaks through timing.
 */

import { sha256Bytes } from "../core/sha256.js";

/**
 * SHA-256 of the UTF-8 bytes of `text`. Synchronous (see sha256.ts): a Web Crypto digest per
 * request costs more than the rest of a gateway request.
 */
export function sha256(text: string): Uint8Array {
  return sha256Bytes(text);
}

/**
 * Compares two digests without an early exit: the XOR of every byte pair is OR-ed together, so the
 * time taken does not depend on where they differ. Lengths are public (both are SHA-256 digests).
 */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Whether two strings are equal, in time independent of their contents and lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  return digestsEqual(sha256(a), sha256(b));
}

/**
 * Index of the secret (given by its precomputed digest) that `candidate` equals, or -1.
 *
 * Every digest is compared, even after a match, so the time taken says neither whether the
 * candidate matched nor which of the secrets it matched.
 */
export function indexOfSecret(candidate: string, digests: readonly Uint8Array[]): number {
  const digest = sha256(candidate);
  let found = -1;
  for (let i = 0; i < digests.length; i++) {
    const equal = digestsEqual(digest, digests[i]!);
    // Branch-free select: keeps the first match without skipping later comparisons.
    found = equal && found === -1 ? i : found;
  }
  return found;
}
