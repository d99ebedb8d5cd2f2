/**
 * SHA-256 in plain TypeScript, synchronous, returning lowercase hex.
 *
 * Why not `crypto.subtle.digest`: it is asynchronous, and in Node each call hops to the thread
 * pool, costing about 25 µs — more than a whole GET over loopback. Cache keys are hashed on every
 * call (hits included), so the hash must be cheap: this one takes ~1–2 µs for a typical argument
 * list. It runs everywhere (no `node:crypto`, no Buffer).
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const encoder = new TextEncoder();
const W = new Uint32Array(64);
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** Reused between calls (hashing is synchronous): no allocation per hash but the hex string. */
let scratch = new Uint8Array(256);

/** SHA-256 of the UTF-8 encoding of `text`, as 64 lowercase hex characters. */
export function sha256Hex(text: string): string {
  // Worst case 3 UTF-8 bytes per UTF-16 unit, plus room for the padding.
  const room = text.length * 3 + 72;
  if (scratch.length < room) scratch = new Uint8Array(room * 2);
  let length = 0;
  const n = text.length;
  for (; length < n; length++) {
    const code = text.charCodeAt(length);
    if (code > 0x7f) break;
    scratch[length] = code;
  }
  if (length < n) {
    // Not ASCII: let TextEncoder write the rest (it knows surrogate pairs).
    length += encoder.encodeInto(text.slice(length), scratch.subarray(length)).written;
  }
  return hashScratch(length);
}

/** SHA-256 of `bytes`, as 64 lowercase hex characters. */
export function digestHex(bytes: Uint8Array): string {
  if (scratch.length < bytes.length + 72) scratch = new Uint8Array((bytes.length + 72) * 2);
  scratch.set(bytes);
  return hashScratch(bytes.length);
}

/** Hashes the first `length` bytes of `scratch`, padding in place. */
function hashScratch(length: number): string {
  // Message + 0x80 + zero padding + 64-bit big-endian bit length, to a multiple of 64 bytes.
  const total = ((length + 8) >>> 6) * 64 + 64;
  const padded = scratch;
  padded[length] = 0x80;
  padded.fill(0, length + 1, total - 8);
  const bits = length * 8;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  padded[total - 8] = high >>> 24;
  padded[total - 7] = (high >>> 16) & 0xff;
  padded[total - 6] = (high >>> 8) & 0xff;
  padded[total - 5] = high & 0xff;
  padded[total - 4] = low >>> 24;
  padded[total - 3] = (low >>> 16) & 0xff;
  padded[total - 2] = (low >>> 8) & 0xff;
  padded[total - 1] = low & 0xff;

  let h0 = 0x6a09e667;
  let h1 = 0xbb67ae85;
  let h2 = 0x3c6ef372;
  let h3 = 0xa54ff53a;
  let h4 = 0x510e527f;
  let h5 = 0x9b05688c;
  let h6 = 0x1f83d9ab;
  let h7 = 0x5be0cd19;

  for (let offset = 0; offset < total; offset += 64) {
    for (let i = 0, j = offset; i < 16; i++, j += 4) {
      W[i] = (padded[j]! << 24) | (padded[j + 1]! << 16) | (padded[j + 2]! << 8) | padded[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15]!;
      const w2 = W[i - 2]!;
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[i]! + W[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }

  return hex8(h0) + hex8(h1) + hex8(h2) + hex8(h3) + hex8(h4) + hex8(h5) + hex8(h6) + hex8(h7);
}

function hex8(word: number): string {
  return (
    HEX[(word >>> 24) & 0xff]! +
    HEX[(word >>> 16) & 0xff]! +
    HEX[(word >>> 8) & 0xff]! +
    HEX[word & 0xff]!
  );
}
