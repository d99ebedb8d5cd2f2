/**
 * Dict: an async Map over one Redis hash (seed: good-redis `DictProxy`).
 *
 *   key    d:{<name>}   (behind the client's keyPrefix)
 *   field  the entry's key
 *   value  JSON text
 *
 * Every write refreshes the hash's expiry in the same atomic round trip (MULTI: write, PEXPIRE).
 * Iteration pages with HSCAN, so a dict of any size is walked without one huge reply.
 */
import * as z from "zod";
import type { CoreClient } from "../core/client.js";
import { ValidationError } from "../core/errors.js";
import { decodeJson, encodeJson } from "../core/json.js";
import type { CommandOutcome, RedisCommand, RedisReply } from "../core/port.js";
import { joinPath } from "../core/replies.js";
import { parseInput } from "../core/validation.js";
import { DictValueError } from "./errors.js";
import { dictKey } from "./keys.js";
import { toObjectScript } from "./lua.gen.js";
import {
  DEFAULT_SCAN_COUNT,
  DEFAULT_TTL_MS,
  type DictOptions,
  dictKeySchema,
  dictNameSchema,
  dictOptionsSchema,
  type ScanOptions,
  scanOptionsSchema,
} from "./schemas.js";

/** Up to this many entries `toObject` reads with one HGETALL; above, it pages with HSCAN. */
const HGETALL_LIMIT = 1_000;

type Issue = { path: string; message: string };

/**
 * `V` is what reads return, `In` what writes accept (they differ when the schema transforms or
 * has defaults: `z.output` and `z.input` of the schema).
 */
export class Dict<V = unknown, In = V> implements AsyncIterable<[string, V]> {
  /** The dict's name. */
  readonly name: string;
  /** The Redis key of its hash. */
  readonly key: string;
  /** Expiry refreshed on every write, or null for none. */
  readonly ttlMs: number | null;
  readonly #client: CoreClient;
  readonly #schema: z.ZodType | undefined;
  readonly #scanCount: number;

  constructor(client: CoreClient, name: string, options: DictOptions = {}) {
    this.name = parseInput(dictNameSchema, name, "name");
    const opts = parseInput(dictOptionsSchema, options, "options");
    this.#client = client;
    this.key = dictKey(client, this.name);
    this.ttlMs = opts.ttlMs === undefined ? DEFAULT_TTL_MS : opts.ttlMs || null;
    this.#schema = opts.schema;
    this.#scanCount = opts.scanCount ?? DEFAULT_SCAN_COUNT;
  }

  /** The value stored under `key`, or undefined. */
  async get(key: string): Promise<V | undefined> {
    const field = parseInput(dictKeySchema, key, "key");
    const raw = await this.#client.command(["HGET", this.key, field]);
    return raw === null ? undefined : this.#read(field, String(raw));
  }

  /** Stores `value` under `key` and refreshes the dict's expiry, atomically. */
  async set(key: string, value: In): Promise<void> {
    const field = parseInput(dictKeySchema, key, "key");
    const text = this.#encode([[field, value]]);
    await this.#write(["HSET", this.key, field, text[0]!]);
  }

  /**
   * Stores several entries in one atomic round trip (and refreshes the expiry). Every key and
   * value is checked first; if one is rejected, nothing is written.
   */
  async setMany(entries: Iterable<readonly [string, In]> | Record<string, In>): Promise<void> {
    const list: (readonly [string, In])[] =
      Symbol.iterator in Object(entries)
        ? [...(entries as Iterable<readonly [string, In]>)]
        : Object.entries(entries as Record<string, In>);
    parseInput(entryListSchema, list, "entries");
    if (list.length === 0) return;
    const texts = this.#encode(list);
    await this.#write(["HSET", this.key, ...list.flatMap(([key], i) => [key, texts[i]!])]);
  }

  /** Whether `key` has a value. */
  async has(key: string): Promise<boolean> {
    const field = parseInput(dictKeySchema, key, "key");
    return (await this.#client.command(["HEXISTS", this.key, field])) === 1;
  }

  /** Removes `key` (and refreshes the expiry, like every write); true when it existed. */
  async delete(key: string): Promise<boolean> {
    const field = parseInput(dictKeySchema, key, "key");
    return (await this.#write(["HDEL", this.key, field])) === 1;
  }

  /** The number of entries (HLEN). */
  async size(): Promise<number> {
    return Number(await this.#client.command(["HLEN", this.key]));
  }

  /** Removes every entry (deletes the hash). */
  async clear(): Promise<void> {
    await this.#client.command(["DEL", this.key]);
  }

  /**
   * The entries page by page, one HSCAN call per page, each key once. HSCAN may report a key
   * twice while Redis resizes the hash; the keys already given are remembered to skip repeats
   * (memory grows with the number of keys, never with the values). Entries added or removed
   * during the walk may or may not appear, as with SCAN.
   */
  async *pages(options?: ScanOptions): AsyncGenerator<[string, V][], void, undefined> {
    const count = parseInput(scanOptionsSchema, options ?? {}, "options").count ?? this.#scanCount;
    const seen = new Set<string>();
    let cursor = "0";
    do {
      const reply = await this.#client.command(["HSCAN", this.key, cursor, "COUNT", count]);
      const [next, flat] = Array.isArray(reply) ? reply : [];
      cursor = String(next ?? "0");
      const page: [string, V][] = [];
      const pairs = Array.isArray(flat) ? flat : [];
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const field = String(pairs[i]);
        if (seen.has(field)) continue;
        seen.add(field);
        page.push([field, this.#read(field, String(pairs[i + 1]))]);
      }
      if (page.length > 0) yield page;
    } while (cursor !== "0");
  }

  /** Every `[key, value]`, paged with HSCAN (see `pages`). */
  async *entries(options?: ScanOptions): AsyncGenerator<[string, V], void, undefined> {
    for await (const page of this.pages(options)) yield* page;
  }

  /** Every key, paged with HSCAN (see `pages`). */
  async *keys(options?: ScanOptions): AsyncGenerator<string, void, undefined> {
    for await (const page of this.pages(options)) for (const [key] of page) yield key;
  }

  /** Every value, paged with HSCAN (see `pages`). */
  async *values(options?: ScanOptions): AsyncGenerator<V, void, undefined> {
    for await (const page of this.pages(options)) for (const [, value] of page) yield value;
  }

  /** `for await (const [key, value] of dict)` walks `entries()`. */
  [Symbol.asyncIterator](): AsyncGenerator<[string, V], void, undefined> {
    return this.entries();
  }

  /**
   * Every entry as a plain object. Up to 1000 entries: one script call, an atomic snapshot
   * (HLEN, then HGETALL). Larger: paged with HSCAN, like `entries()`.
   */
  async toObject(): Promise<Record<string, V>> {
    const reply = await this.#client.runScript(toObjectScript, [this.key], [HGETALL_LIMIT]);
    const [small, flat] = Array.isArray(reply) ? reply : [];
    const entries: [string, V][] = [];
    if (small === 1) {
      const pairs = Array.isArray(flat) ? flat : [];
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const field = String(pairs[i]);
        entries.push([field, this.#read(field, String(pairs[i + 1]))]);
      }
    } else {
      for await (const page of this.pages()) entries.push(...page);
    }
    // fromEntries defines own properties, so a key like "__proto__" stays an ordinary entry.
    return Object.fromEntries(entries);
  }

  /** Runs a write and, with a TTL, PEXPIRE after it in one MULTI/EXEC; returns the write's reply. */
  async #write(command: RedisCommand): Promise<RedisReply> {
    if (this.ttlMs === null) return this.#client.command(command);
    const outcomes = await this.#client.transaction([command, ["PEXPIRE", this.key, this.ttlMs]]);
    for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
    return (outcomes[0] as Extract<CommandOutcome, { ok: true }>).result;
  }

  /** Validates (schema) and encodes values; one ValidationError naming every bad key. */
  #encode(entries: readonly (readonly [string, unknown])[]): string[] {
    const issues: Issue[] = [];
    const texts = entries.map(([key, value]) => {
      let data = value;
      if (this.#schema) {
        const parsed = this.#schema.safeParse(value);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            issues.push({
              path: joinPath(key, issue.path.map(String).join(".")),
              message: issue.message,
            });
          }
          return "";
        }
        data = parsed.data;
      }
      const encoded = encodeJson(data);
      if (!encoded.ok) {
        for (const issue of encoded.issues)
          issues.push({ path: joinPath(key, issue.path), message: issue.message });
        return "";
      }
      return encoded.text;
    });
    if (issues.length > 0) throw new ValidationError(issues);
    return texts;
  }

  /** Decodes a stored value and checks it against the schema; DictValueError naming the key. */
  #read(key: string, text: string): V {
    let value: unknown;
    try {
      value = decodeJson(text);
    } catch (error) {
      throw new DictValueError(this.name, key, [{ path: "", message: "is not valid JSON" }], {
        cause: error,
      });
    }
    if (!this.#schema) return value as V;
    const parsed = this.#schema.safeParse(value);
    if (parsed.success) return parsed.data as V;
    throw new DictValueError(
      this.name,
      key,
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join("."),
        message: issue.message,
      })),
    );
  }
}

const entryListSchema = z.array(z.tuple([dictKeySchema, z.unknown()]));

/**
 * A dict over one Redis hash. With a zod `schema`, values are checked on write and on read and
 * typed from it.
 *
 * @example
 * const sessions = createDict(client, "sessions", { schema: z.object({ user: z.string() }) });
 * await sessions.set("abc", { user: "ada" });
 * for await (const [id, session] of sessions) console.log(id, session.user);
 */
export function createDict<S extends z.ZodType>(
  client: CoreClient,
  name: string,
  options: DictOptions & { schema: S },
): Dict<z.output<S>, z.input<S>>;
export function createDict<V = unknown>(
  client: CoreClient,
  name: string,
  options?: DictOptions & { schema?: undefined },
): Dict<V, V>;
export function createDict(client: CoreClient, name: string, options: DictOptions = {}): Dict {
  return new Dict(client, name, options);
}
