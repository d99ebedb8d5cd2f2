/**
 * A Lua script with its SHA-1, sent as EVALSHA and re-sent as EVAL when the server answers
 * NOSCRIPT (after a restart, a failover or SCRIPT FLUSH).
 */

export class Script {
  readonly source: string;
  /**
   * The script never writes (declared `-- @read-only` in its .lua file): with `durableWrites` it
   * is not followed by WAIT, which would wait for replicas to acknowledge nothing.
   */
  readonly readOnly: boolean;
  /**
   * The keys the script's header documents: exactly `keys`, or at least `minKeys` for scripts
   * taking a variable number. Every call is checked against it (CoreClient.runScript), so a
   * caller passing a key too many or too few fails loudly instead of the script reading nil.
   */
  readonly keys: number | undefined;
  readonly minKeys: number | undefined;
  #sha: string | undefined;
  #shaPromise: Promise<string> | undefined;

  /** `sha` may be given when it was computed at build time; otherwise it is computed once. */
  constructor(
    source: string,
    sha?: string,
    options: { readOnly?: boolean; keys?: number; minKeys?: number } = {},
  ) {
    this.source = source;
    this.#sha = sha;
    this.readOnly = options.readOnly ?? false;
    this.keys = options.keys;
    this.minKeys = options.minKeys;
  }

  /** Why `count` keys do not fit this script's documented keys, if they do not. */
  keyMismatch(count: number): string | undefined {
    if (this.keys !== undefined && count !== this.keys) {
      return `the script takes ${this.keys} keys (its .lua header says so); the call passed ${count}`;
    }
    if (this.minKeys !== undefined && count < this.minKeys) {
      return `the script takes at least ${this.minKeys} keys (its .lua header says so); the call passed ${count}`;
    }
    return undefined;
  }

  /** The script's SHA-1 in lowercase hex, as Redis computes it. */
  sha(): Promise<string> {
    if (this.#sha) return Promise.resolve(this.#sha);
    this.#shaPromise ??= sha1Hex(this.source).then((sha) => {
      this.#sha = sha;
      return sha;
    });
    return this.#shaPromise;
  }
}

/** SHA-1 through Web Crypto, which Node 20, Workers, Deno, Bun and Vercel Edge all provide. */
export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
