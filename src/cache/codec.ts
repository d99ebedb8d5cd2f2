/**
 * How a cached value is stored: one Redis string, `<format>:<staleWindowMs>:<payload>`.
 *
 * - format `j`: the payload is the value's JSON text;
 * - format `z`: the JSON text, gzip-compressed (CompressionStream) and base64-encoded — used when
 *   the JSON is larger than the compression threshold (8 KiB by default) and compressing saves
 *   space;
 * - format `u`: the value was `undefined` (no payload), so a function returning nothing is cached
 *   too.
 *
 * `staleWindowMs` is the stale-while-revalidate window the writer used: the entry lives
 * `ttlMs + staleWindowMs`, and a reader that sees a remaining PTTL within the window knows the
 * value is stale. The header keeps entries readable in redis-cli.
 */

/** JSON larger than this many UTF-8 bytes is compressed (when that makes it smaller). */
export const DEFAULT_COMPRESS_THRESHOLD_BYTES = 8 * 1024;

export interface StoredEntry {
  format: string;
  staleWindowMs: number;
  payload: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes a value. Throws (TypeError) when the value cannot be written as JSON, e.g. a bigint or
 * a circular object; the caller then returns the value without caching it.
 */
export async function encodeEntry(
  value: unknown,
  staleWindowMs: number,
  compressThresholdBytes: number,
): Promise<string> {
  const json = JSON.stringify(value);
  if (json === undefined) return `u:${staleWindowMs}:`;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short strings skip the byte count entirely.
  if (json.length * 3 > compressThresholdBytes) {
    const bytes = encoder.encode(json);
    if (bytes.length > compressThresholdBytes) {
      const packed = toBase64(await gzip(bytes));
      if (packed.length < json.length) return `z:${staleWindowMs}:${packed}`;
    }
  }
  return `j:${staleWindowMs}:${json}`;
}

/** Splits a stored string into its parts; `undefined` when it is not a cache entry. */
export function parseEntry(raw: string): StoredEntry | undefined {
  const first = raw.indexOf(":");
  const second = first < 0 ? -1 : raw.indexOf(":", first + 1);
  if (first !== 1 || second < 0) return undefined;
  const staleWindowMs = Number(raw.slice(first + 1, second));
  if (!Number.isFinite(staleWindowMs)) return undefined;
  return { format: raw.slice(0, first), staleWindowMs, payload: raw.slice(second + 1) };
}

/** The value stored in an entry. Throws when the entry is corrupt or of an unknown format. */
export async function decodeEntry(entry: StoredEntry): Promise<unknown> {
  if (entry.format === "z") {
    return JSON.parse(decoder.decode(await gunzip(fromBase64(entry.payload))));
  }
  return decodePlain(entry);
}

/** The value of an uncompressed entry, synchronously (the hit path). Throws on `z` entries. */
export function decodePlain(entry: StoredEntry): unknown {
  switch (entry.format) {
    case "j":
      return JSON.parse(entry.payload);
    case "u":
      return undefined;
    default:
      throw new Error(`unknown cache entry format '${entry.format}'`);
  }
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// btoa/atob work on "binary strings"; building one in chunks keeps String.fromCharCode's argument
// count far below engine limits. No Buffer: this runs on the edge.
const CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
