/**
 * The cache (seed: dtpyfw `cache_wrapper`, `cache_data`): wrap any function so its results are
 * kept in Redis, with single flight across processes, stale-while-revalidate and tags.
 *
 * Round trips: a hit is one GET (or one script call when stale-while-revalidate is on, to read
 * the entry and its remaining lifetime atomically). A miss is a GET, an acquire script (entry
 * re-check + lease in one step), the function, and a write script (entry + tags + lease release
 * in one step): the miss path cannot be one round trip because the function runs in between.
 */
import type { CallOptions, CoreClient } from "../core/client.js";
import { ValidationError } from "../core/errors.js";
import type { RedisArg, RedisReply } from "../core/port.js";
import { sleep } from "../core/retry.js";
import { sha256Hex } from "../core/sha256.js";
import { nestsDeeperThan, parseInput, TOO_DEEP } from "../core/validation.js";
import { canonicalArgs, type SkipArgs } from "./canonical.js";
import {
  DEFAULT_COMPRESS_THRESHOLD_BYTES,
  decodeEntry,
  decodePlain,
  encodeEntry,
  parseEntry,
} from "./codec.js";
import { type CacheCondition, compileConditions } from "./conditions.js";
import { type CacheKeys, cacheKeys, registryKey, tagKey } from "./keys.js";
import {
  acquireScript,
  invalidateTagScript,
  readScript,
  releaseScript,
  renewScript,
  writeScript,
} from "./lua.gen.js";
import {
  type CacheErrorHandler,
  type CacheOperation,
  type CacheOptions,
  cacheOptionsSchema,
  entryIdSchema,
  entryIdsSchema,
  type NamespaceOptions,
  namespaceOptionsSchema,
  type SetOptions,
  setOptionsSchema,
  tagSchema,
  tagsSchema,
  type WaitUntil,
  type WrapOptions,
  wrapOptionsSchema,
} from "./schemas.js";

const DEFAULT_NAMESPACE = "default";
const DEFAULT_LOCK_MS = 5_000;
/** Waiters poll the entry from this delay up, ×1.5 per poll, to at most POLL_MAX_MS. */
const POLL_START_MS = 10;
const POLL_MAX_MS = 250;

/** A wrapped function: the same arguments, a promise of the same result, and two helpers. */
export type Wrapped<A extends unknown[], R> = ((...args: A) => Promise<R>) & {
  /** Deletes the entry these arguments map to; resolves true when there was one. */
  invalidate(...args: A): Promise<boolean>;
  /** The Redis key of the entry these arguments map to (client key prefix included). */
  keyFor(...args: A): string;
  /** The namespace the entries live in. */
  readonly namespace: string;
};

/** Everything `wrap` settles once, so a call does no option parsing. */
interface Plan {
  namespace: string;
  ttlMs: number;
  staleMs: number;
  lockMs: number;
  skip: SkipArgs;
  key: ((...args: unknown[]) => string) | undefined;
  shouldCache: ((args: readonly unknown[]) => boolean) | undefined;
  tags:
    | readonly string[]
    | ((result: unknown, ...args: unknown[]) => readonly string[])
    | undefined;
  waitUntil: WaitUntil | undefined;
  onError: CacheErrorHandler | undefined;
}

/** An entry as read: its stored text and remaining PTTL (-1 when not asked for). */
interface RawEntry {
  raw: string;
  pttl: number;
}

const READ_FAILED: unique symbol = Symbol("read failed");

interface Hit {
  value: unknown;
  stale: boolean;
}

export class Cache {
  readonly client: CoreClient;
  readonly #namespace: string;
  readonly #lockMs: number;
  readonly #compressThresholdBytes: number;
  readonly #callOptions: CallOptions | undefined;
  readonly #onError: CacheErrorHandler | undefined;
  readonly #waitUntil: WaitUntil | undefined;
  readonly #prefix: (name: string) => string;
  /** Reads in flight, shared by concurrent callers of one key. */
  readonly #reads = new Map<string, Promise<RawEntry | undefined | typeof READ_FAILED>>();
  /** In-process single flight: entry key → the load every local caller of that key awaits. */
  readonly #loads = new Map<string, Promise<unknown>>();
  /** Background refreshes in flight, one per entry key. */
  readonly #refreshes = new Map<string, Promise<void>>();
  /** Namespaces this instance has put in the tag registry. */
  readonly #registered = new Set<string>();

  constructor(client: CoreClient, options: CacheOptions = {}) {
    const parsed = parseInput(cacheOptionsSchema, options);
    this.client = client;
    this.#namespace = parsed.namespace ?? DEFAULT_NAMESPACE;
    this.#lockMs = parsed.lockMs ?? DEFAULT_LOCK_MS;
    this.#compressThresholdBytes =
      parsed.compressThresholdBytes ?? DEFAULT_COMPRESS_THRESHOLD_BYTES;
    const callOptions: CallOptions = {};
    if (parsed.timeoutMs !== undefined) callOptions.timeoutMs = parsed.timeoutMs;
    if (options.retry !== undefined) callOptions.retry = options.retry;
    this.#callOptions = Object.keys(callOptions).length > 0 ? callOptions : undefined;
    this.#onError = options.onError;
    this.#waitUntil = options.waitUntil;
    this.#prefix = (name) => client.key(name);
  }

  /**
   * Wraps `fn` (sync or async) so its results are cached under `namespace` for `ttlMs`.
   *
   * @example
   * const getUser = cache.wrap(async (id: string) => db.users.find(id), {
   *   namespace: "users", ttlMs: 60_000, tags: (_user, id) => [`user:${id}`],
   * });
   * await getUser("42");            // runs the function once, then reads Redis
   * await getUser.invalidate("42");
   */
  wrap<A extends unknown[], R>(
    fn: (...args: A) => R,
    options: NoInfer<WrapOptions<A, Awaited<R>>>,
  ): Wrapped<A, Awaited<R>> {
    if (typeof fn !== "function") {
      throw new ValidationError([{ path: "fn", message: "must be a function" }]);
    }
    const parsed = parseInput(wrapOptionsSchema, options);
    const skip: SkipArgs = {
      fields: new Set(parsed.skipArgs?.filter((s): s is string => typeof s === "string")),
      indexes: new Set(parsed.skipArgs?.filter((s): s is number => typeof s === "number")),
    };
    const cacheIf = options.cacheIf;
    const plan: Plan = {
      namespace: parsed.namespace,
      ttlMs: parsed.ttlMs,
      staleMs: parsed.staleWhileRevalidateMs ?? 0,
      lockMs: parsed.lockMs ?? this.#lockMs,
      skip,
      key: options.key as Plan["key"],
      shouldCache:
        cacheIf === undefined
          ? undefined
          : typeof cacheIf === "function"
            ? (args) => Boolean((cacheIf as (...a: unknown[]) => unknown)(...args))
            : compileConditions(cacheIf as readonly CacheCondition[], fn, parsed.argNames),
      tags: options.tags as Plan["tags"],
      waitUntil: options.waitUntil ?? this.#waitUntil,
      onError: options.onError ?? this.#onError,
    };
    const cache = this;
    const run = fn as (...args: unknown[]) => unknown;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      return cache.#call(plan, run, this, args);
    };
    Object.defineProperties(wrapped, {
      name: { value: fn.name ? `cached ${fn.name}` : "cached" },
      namespace: { value: plan.namespace, enumerable: true },
      keyFor: { value: (...args: unknown[]) => cache.#keys(plan, args).entry },
      invalidate: {
        value: (...args: unknown[]) => cache.#remove(cache.#keys(plan, args)),
      },
    });
    return wrapped as unknown as Wrapped<A, Awaited<R>>;
  }

  /** Stores a value under `key` (the seed's `cache_data`); `tags` file it for `invalidateTag`. */
  async set(key: string, value: unknown, options: SetOptions): Promise<void> {
    const id = parseInput(entryIdSchema, key, "key");
    const parsed = parseInput(setOptionsSchema, options);
    const namespace = parsed.namespace ?? this.#namespace;
    if (nestsDeeperThan(value)) throw new ValidationError([{ path: "value", message: TOO_DEEP }]);
    let encoded: string;
    try {
      encoded = await encodeEntry(value, 0, this.#compressThresholdBytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ValidationError([
        { path: "value", message: `must be JSON-serializable (${reason})` },
      ]);
    }
    const keys = cacheKeys(this.#prefix, namespace, id);
    await this.#write(namespace, keys, "", encoded, parsed.ttlMs, parsed.tags ?? []);
  }

  /** The value stored under `key`, or `undefined` when there is none. */
  async get<T = unknown>(key: string, options: NamespaceOptions = {}): Promise<T | undefined> {
    const id = parseInput(entryIdSchema, key, "key");
    const namespace = parseInput(namespaceOptionsSchema, options).namespace ?? this.#namespace;
    const raw = await this.client.command(
      ["GET", cacheKeys(this.#prefix, namespace, id).entry],
      this.#callOptions,
    );
    if (typeof raw !== "string") return undefined;
    const entry = parseEntry(raw);
    if (!entry) return undefined;
    return (await decodeEntry(entry)) as T;
  }

  /** Deletes the value under `key`; resolves true when there was one. */
  async delete(key: string, options: NamespaceOptions = {}): Promise<boolean> {
    const id = parseInput(entryIdSchema, key, "key");
    const namespace = parseInput(namespaceOptionsSchema, options).namespace ?? this.#namespace;
    return this.#remove(cacheKeys(this.#prefix, namespace, id));
  }

  /**
   * Deletes the values under `keys` (at most MAX_DELETE_MANY, repeats counted once) in one
   * atomic round trip: every key of a namespace shares its hash slot. Resolves with how many
   * existed.
   */
  async deleteMany(keys: readonly string[], options: NamespaceOptions = {}): Promise<number> {
    const ids = parseInput(entryIdsSchema, keys, "keys");
    const namespace = parseInput(namespaceOptionsSchema, options).namespace ?? this.#namespace;
    return this.#removeAll([...new Set(ids)].map((id) => cacheKeys(this.#prefix, namespace, id)));
  }

  async #remove(keys: CacheKeys): Promise<boolean> {
    return (await this.#removeAll([keys])) === 1;
  }

  /**
   * Deletes entries and their leases in one transaction (one slot): a load that is computing an
   * old value loses its lease with it, so its result is not stored after the deletion.
   */
  async #removeAll(keys: readonly CacheKeys[]): Promise<number> {
    if (keys.length === 0) return 0;
    const [exists] = await this.client.transaction(
      [
        ["EXISTS", ...keys.map((k) => k.entry)],
        ["DEL", ...keys.flatMap((k) => [k.entry, k.lease])],
      ],
      this.#callOptions,
    );
    return exists?.ok === true ? Number(exists.result) : 0;
  }

  /**
   * Deletes every entry filed under `tag`, with its tag set, in one atomic script call per
   * namespace. With `namespace`, only that namespace; without, every namespace in the registry
   * (each namespace is atomic on its own; namespaces live in different slots, so together they
   * cannot be one atomic step on Redis Cluster). Resolves with the number of entries deleted.
   */
  async invalidateTag(tag: string, options: NamespaceOptions = {}): Promise<number> {
    const name = parseInput(tagSchema, tag, "tag");
    const only = parseInput(namespaceOptionsSchema, options).namespace;
    const namespaces =
      only !== undefined
        ? [only]
        : ((await this.client.command(
            ["SMEMBERS", registryKey(this.#prefix)],
            this.#callOptions,
          )) as string[]);
    const counts = await Promise.all(
      namespaces.map((namespace) =>
        this.client.runScript(
          invalidateTagScript,
          [tagKey(this.#prefix, namespace, name)],
          [],
          this.#callOptions,
        ),
      ),
    );
    return counts.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  // ---- the wrapped call -------------------------------------------------------------------

  async #call(
    plan: Plan,
    run: (...args: unknown[]) => unknown,
    self: unknown,
    args: unknown[],
  ): Promise<unknown> {
    if (plan.shouldCache && !plan.shouldCache(args)) return run.apply(self, args);
    const keys = this.#keys(plan, args);
    const loading = this.#loads.get(keys.entry);
    if (loading) return loading;
    const read = await this.#readShared(plan, keys);
    if (read === READ_FAILED) {
      // Redis is unreachable: answer from the function, still once per process and key.
      return this.#shared(keys.entry, async () => run.apply(self, args));
    }
    if (read !== undefined) {
      const decoded = this.#decode(plan, keys, read.raw, read.pttl);
      const hit = decoded instanceof Promise ? await decoded : decoded;
      if (hit) {
        if (hit.stale) this.#refresh(plan, bind(run, self), args, keys);
        return hit.value;
      }
    }
    return this.#shared(keys.entry, () => this.#load(plan, bind(run, self), args, keys));
  }

  /**
   * Reads an entry, sharing one read among the callers of this process that ask for the same
   * key at the same time (each still decodes its own copy of the value). A failed read is
   * reported once and resolves to READ_FAILED.
   */
  #readShared(plan: Plan, keys: CacheKeys): Promise<RawEntry | undefined | typeof READ_FAILED> {
    const slot = plan.staleMs === 0 ? keys.entry : `${keys.entry}\u0000pttl`;
    const pending = this.#reads.get(slot);
    if (pending) return pending;
    const read = this.#read(plan, keys, slot);
    this.#reads.set(slot, read);
    return read;
  }

  /** One round trip: GET, or (stale-while-revalidate on) the entry and its PTTL in one script. */
  async #read(
    plan: Plan,
    keys: CacheKeys,
    slot: string,
  ): Promise<RawEntry | undefined | typeof READ_FAILED> {
    try {
      if (plan.staleMs === 0) {
        const reply = await this.client.command(["GET", keys.entry], this.#callOptions);
        return typeof reply === "string" ? { raw: reply, pttl: -1 } : undefined;
      }
      const reply = await this.client.runScript(readScript, [keys.entry], [], this.#callOptions);
      if (!Array.isArray(reply) || typeof reply[0] !== "string") return undefined;
      return { raw: reply[0], pttl: Number(reply[1]) };
    } catch (error) {
      this.#report(plan, error, "read", keys.entry);
      return READ_FAILED;
    } finally {
      // Runs after the reply (never before the caller stored this promise in #reads).
      this.#reads.delete(slot);
    }
  }

  #keys(plan: Plan, args: unknown[]): CacheKeys {
    const id = plan.key
      ? parseInput(entryIdSchema, plan.key(...args), "key()")
      : hashArgs(canonicalArgs(args, plan.skip));
    return cacheKeys(this.#prefix, plan.namespace, id);
  }

  /**
   * An entry's value, and whether it is stale; `undefined` when the entry is unreadable (the
   * load then overwrites it). Synchronous unless the entry is compressed: this is the hit path.
   */
  #decode(
    plan: Plan,
    keys: CacheKeys,
    raw: string,
    pttl: number,
  ): Hit | undefined | Promise<Hit | undefined> {
    const entry = parseEntry(raw);
    if (!entry)
      return this.#undecodable(plan, keys, new Error("the key does not hold a cache entry"));
    // The entry lives ttl + window; in its last `window` ms it is stale (server clock: PTTL).
    const stale = entry.staleWindowMs > 0 && pttl >= 0 && pttl <= entry.staleWindowMs;
    if (entry.format === "z") {
      return decodeEntry(entry).then(
        (value) => ({ value, stale }),
        (error: unknown) => this.#undecodable(plan, keys, error),
      );
    }
    try {
      return { value: decodePlain(entry), stale };
    } catch (error) {
      return this.#undecodable(plan, keys, error);
    }
  }

  #undecodable(plan: Plan, keys: CacheKeys, error: unknown): undefined {
    this.#report(plan, error, "decode", keys.entry);
    return undefined;
  }

  /** Runs `run` once per entry key in this process; concurrent callers share its promise. */
  #shared(entryKey: string, run: () => Promise<unknown>): Promise<unknown> {
    const existing = this.#loads.get(entryKey);
    if (existing) return existing;
    const promise = run().finally(() => this.#loads.delete(entryKey));
    this.#loads.set(entryKey, promise);
    return promise;
  }

  /**
   * Cross-process single flight: take the lease and compute, or wait for the holder's value.
   * Waiting polls one atomic script (entry or lease) with backoff, so it works over REST too,
   * and a holder that died (lease expired, no value) is replaced by the next poll.
   */
  async #load(plan: Plan, fn: (args: unknown[]) => unknown, args: unknown[], keys: CacheKeys) {
    const token = newToken();
    for (let attempt = 0; ; attempt++) {
      let reply: RedisReply;
      try {
        reply = await this.#acquire(plan, keys, token, "load");
      } catch (error) {
        this.#report(plan, error, "lease", keys.entry);
        return fn(args);
      }
      const status = Array.isArray(reply) ? Number(reply[0]) : -1;
      if (status === 2) return this.#compute(plan, fn, args, keys, token);
      if (status === 1 && Array.isArray(reply) && typeof reply[1] === "string") {
        const hit = await this.#decode(plan, keys, reply[1], Number(reply[2]));
        if (hit) return hit.value;
        // Unreadable entry: compute and overwrite it, without a lease (none was taken).
        return this.#compute(plan, fn, args, keys, "");
      }
      const leaseLeftMs = Array.isArray(reply) ? Number(reply[1]) : -1;
      await sleep(pollDelay(attempt, leaseLeftMs));
    }
  }

  #acquire(plan: Plan, keys: CacheKeys, token: string, mode: "load" | "refresh") {
    return this.client.runScript(
      acquireScript,
      [keys.entry, keys.lease],
      [token, plan.lockMs, mode],
      this.#callOptions,
    );
  }

  /** Runs the function (holding the lease when `token` is set) and stores its result. */
  async #compute(
    plan: Plan,
    fn: (args: unknown[]) => unknown,
    args: unknown[],
    keys: CacheKeys,
    token: string,
  ): Promise<unknown> {
    const stopRenewing = token ? this.#keepLease(plan, keys, token) : undefined;
    let result: unknown;
    try {
      result = await fn(args);
    } catch (error) {
      stopRenewing?.();
      if (token) void this.#release(plan, keys, token);
      throw error;
    }
    stopRenewing?.();
    await this.#store(plan, keys, token, result, args);
    return result;
  }

  /** Extends the lease every third of its length while the function runs; returns a stop. */
  #keepLease(plan: Plan, keys: CacheKeys, token: string): () => void {
    const timer = setInterval(
      () => {
        this.client
          .runScript(renewScript, [keys.lease], [token, plan.lockMs], this.#callOptions)
          .catch((error: unknown) => this.#report(plan, error, "renew", keys.lease));
      },
      Math.max(1, Math.floor(plan.lockMs / 3)),
    );
    (timer as { unref?: () => void }).unref?.();
    return () => clearInterval(timer);
  }

  async #release(plan: Plan, keys: CacheKeys, token: string): Promise<void> {
    try {
      await this.client.runScript(releaseScript, [keys.lease], [token], this.#callOptions);
    } catch (error) {
      this.#report(plan, error, "release", keys.lease);
    }
  }

  /** Stores a computed result. Never throws: a value that cannot be stored is reported. */
  async #store(plan: Plan, keys: CacheKeys, token: string, result: unknown, args: unknown[]) {
    let tags: readonly string[];
    let encoded: string;
    try {
      tags =
        typeof plan.tags === "function"
          ? parseInput(tagsSchema, plan.tags(result, ...args), "tags()")
          : (plan.tags ?? []);
    } catch (error) {
      this.#report(plan, error, "tags", keys.entry);
      if (token) await this.#release(plan, keys, token);
      return;
    }
    try {
      encoded = await encodeEntry(result, plan.staleMs, this.#compressThresholdBytes);
    } catch (error) {
      this.#report(plan, error, "encode", keys.entry);
      if (token) await this.#release(plan, keys, token);
      return;
    }
    try {
      await this.#write(
        plan.namespace,
        keys,
        token,
        encoded,
        plan.ttlMs + plan.staleMs,
        tags,
        (e) => this.#report(plan, e, "register", registryKey(this.#prefix)),
      );
    } catch (error) {
      this.#report(plan, error, "write", keys.entry);
    }
  }

  /**
   * The write script (entry, tag sets, lease release) and, once per namespace, the registry.
   * `onRegisterError` set: a failed registration is reported there instead of rejecting.
   */
  async #write(
    namespace: string,
    keys: CacheKeys,
    token: string,
    encoded: string,
    lifetimeMs: number,
    tags: readonly string[],
    onRegisterError?: (error: unknown) => void,
  ): Promise<void> {
    const scriptKeys = [keys.entry, keys.lease];
    for (const tag of new Set(tags)) scriptKeys.push(tagKey(this.#prefix, namespace, tag));
    const args: RedisArg[] = [encoded, lifetimeMs, token];
    const write = this.client.runScript(writeScript, scriptKeys, args, this.#callOptions);
    if (tags.length === 0 || this.#registered.has(namespace)) {
      await write;
      return;
    }
    const register = this.client
      .command(["SADD", registryKey(this.#prefix), namespace], this.#callOptions)
      .then(() => {
        this.#registered.add(namespace);
      });
    if (!onRegisterError) {
      await Promise.all([write, register]);
      return;
    }
    // A failed registration only hides this namespace from a namespace-less invalidateTag
    // until a later write registers it: report it, but the entry is stored.
    const [written, registered] = await Promise.allSettled([write, register]);
    if (registered.status === "rejected") onRegisterError(registered.reason);
    if (written.status === "rejected") throw written.reason;
  }

  /** Starts one background refresh of a stale entry (per process, and per lease across them). */
  #refresh(plan: Plan, fn: (args: unknown[]) => unknown, args: unknown[], keys: CacheKeys): void {
    if (this.#refreshes.has(keys.entry) || this.#loads.has(keys.entry)) return;
    const refresh = (async () => {
      const token = newToken();
      const reply = await this.#acquire(plan, keys, token, "refresh");
      if (!Array.isArray(reply) || Number(reply[0]) !== 2) return; // someone else refreshes
      await this.#compute(plan, fn, args, keys, token);
    })()
      .catch((error: unknown) => this.#report(plan, error, "refresh", keys.entry))
      .finally(() => this.#refreshes.delete(keys.entry));
    this.#refreshes.set(keys.entry, refresh);
    if (plan.waitUntil) {
      try {
        plan.waitUntil(refresh);
      } catch (error) {
        this.#report(plan, error, "refresh", keys.entry);
      }
    }
  }

  #report(plan: Plan, error: unknown, operation: CacheOperation, key: string): void {
    if (!plan.onError) return;
    try {
      plan.onError(error, { operation, namespace: plan.namespace, key });
    } catch {
      // A failing error hook must not turn a recovered fault into a failed call.
    }
  }
}

/** The wrapped function with its `this`, as the miss path calls it (built off the hit path). */
function bind(run: (...args: unknown[]) => unknown, self: unknown): (args: unknown[]) => unknown {
  return (args) => run.apply(self, args);
}

/**
 * Hashes of recently seen argument lists. Hashing is the largest cost of a hit after the round
 * trip, and hot keys repeat; the memo is bounded and simply starts over when full.
 */
const hashMemo = new Map<string, string>();
const HASH_MEMO_SIZE = 1_000;
const HASH_MEMO_MAX_TEXT = 512;

function hashArgs(canonical: string): string {
  const known = hashMemo.get(canonical);
  if (known !== undefined) return known;
  const hash = sha256Hex(canonical);
  if (canonical.length <= HASH_MEMO_MAX_TEXT) {
    if (hashMemo.size >= HASH_MEMO_SIZE) hashMemo.clear();
    hashMemo.set(canonical, hash);
  }
  return hash;
}

/** A fresh lease token: unique per load, so only its holder can renew or release the lease. */
function newToken(): string {
  return crypto.randomUUID();
}

/** Backoff between polls: grows ×1.5 from 10 ms to 250 ms, jittered, never past the lease's end. */
export function pollDelay(
  attempt: number,
  leaseLeftMs: number,
  random: () => number = Math.random,
) {
  const base = Math.min(POLL_MAX_MS, POLL_START_MS * 1.5 ** attempt);
  const delay = base / 2 + (random() * base) / 2;
  return leaseLeftMs > 0 ? Math.min(delay, leaseLeftMs + 1) : delay;
}

/** A cache over `client` (see `Cache`). */
export function createCache(client: CoreClient, options?: CacheOptions): Cache {
  return new Cache(client, options);
}
