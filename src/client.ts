/**
 * `RedgeClient`: the core client (src/core/client.ts) plus an accessor per capability, and the
 * seed's `ps*` names for the priority stream, in this one place. Capabilities take the core
 * client, so none of them imports this file.
 */
import type { Redis as UpstashRedis } from "@upstash/redis/cloudflare";
import type * as z from "zod";
import { Cache } from "./cache/index.js";
import { type ClientOptions, CoreClient } from "./core/client.js";
import { RedgeError } from "./core/errors.js";
import type { CommandPort } from "./core/port.js";
import { createDict, type Dict, type DictOptions } from "./dict/index.js";
import {
  type JsonValue,
  PriorityStream,
  type PriorityStreamOptions,
  psadd,
  psaddmany,
  psdecrementAll,
  psdeletebelowthreshold,
  psexpired,
  psincrement,
  pspull,
  type SeedAddManyItem,
} from "./priority/index.js";
import { createRatelimit, type RateLimiter, type RatelimitOptions } from "./ratelimit/index.js";
import { createStream, type StreamOptions, type StreamQueue } from "./streams/index.js";
import { createSubjects, type SubjectStore, type SubjectsOptions } from "./subjects/index.js";

export type {
  CallOptions,
  ClientOptions,
  CloseOptions,
  DedicatedClientConnection,
  DedicatedConnectionCallOptions,
  HealthReport,
} from "./core/client.js";
export { CoreClient } from "./core/client.js";

export interface RedgeClientOptions extends ClientOptions {
  /**
   * Builds `client.redis` on first use: an `@upstash/redis` client over this client's transport
   * (`createClient` and `createNodeClient` pass one).
   */
  upstash?: ((client: CoreClient) => UpstashRedis) | undefined;
}

export class RedgeClient extends CoreClient {
  readonly #makeUpstash: RedgeClientOptions["upstash"];
  #upstash: UpstashRedis | undefined;

  constructor(port: CommandPort, options: RedgeClientOptions = {}) {
    const { upstash, ...rest } = options;
    super(port, rest);
    this.#makeUpstash = upstash;
  }

  /**
   * Every typed command of `@upstash/redis` (`await client.redis.hset("h", { a: 1 })`,
   * `client.redis.pipeline()`, `multi()`, `createScript()`), on whichever transport this client
   * speaks: over REST it is the `Redis` client the transport sends through; over TCP the same
   * library on a `Requester` that answers as the REST API does. Not retried (see docs/client.md).
   */
  get redis(): UpstashRedis {
    if (!this.#upstash) {
      if (!this.#makeUpstash) {
        throw new RedgeError(
          "config",
          "client.redis needs a client from createClient() or createNodeClient()",
        );
      }
      this.#upstash = this.#makeUpstash(this);
    }
    return this.#upstash;
  }
  /**
   * A priority stream: highest priority first, FIFO among equals, leases, gate, O(1)
   * decrement-all, delayed items, retries with backoff and dead letters, limits, schedules and
   * events. `options` (maxAttempts, backoff) are the stream's, stored with it: see
   * `PriorityStream`'s constructor for what a mismatch does. See docs/priority-stream.md.
   */
  priority<T = JsonValue>(name: string, options?: PriorityStreamOptions): PriorityStream<T> {
    return new PriorityStream<T>(this, name, options);
  }

  // The seed's names (good-redis), for people coming from Python: the stream name first, then
  // the same arguments as the PriorityStream method, with the seed's defaults (see
  // priority/aliases.ts: `pspull` peeks unless `purge: true`, `psaddmany` takes tuples too).
  psadd<T = JsonValue>(name: string, ...args: Parameters<PriorityStream<T>["add"]>) {
    return psadd<T>(this, name, ...args);
  }
  psaddmany<T = JsonValue>(
    name: string,
    items: readonly SeedAddManyItem<T>[],
    options?: Parameters<PriorityStream<T>["addMany"]>[1],
  ) {
    return psaddmany<T>(this, name, items, options);
  }
  pspull<T = JsonValue>(name: string, ...args: Parameters<PriorityStream<T>["pull"]>) {
    return pspull<T>(this, name, ...args);
  }
  psincrement(name: string, ...args: Parameters<PriorityStream["increment"]>) {
    return psincrement(this, name, ...args);
  }
  psdecrementAll(name: string, ...args: Parameters<PriorityStream["decrementAll"]>) {
    return psdecrementAll(this, name, ...args);
  }
  psdeletebelowthreshold(name: string, ...args: Parameters<PriorityStream["deleteBelow"]>) {
    return psdeletebelowthreshold(this, name, ...args);
  }
  psexpired<T = JsonValue>(name: string, ...args: Parameters<PriorityStream<T>["expired"]>) {
    return psexpired<T>(this, name, ...args);
  }

  #cache: Cache | undefined;

  /**
   * The function-result cache: `client.cache.wrap(fn, { namespace, ttlMs, ... })`, `set`, `get`,
   * `delete`, `invalidateTag`. For other defaults (onError, waitUntil, lockMs) use
   * `createCache(client, options)`. See docs/cache.md.
   */
  get cache(): Cache {
    this.#cache ??= new Cache(this);
    return this.#cache;
  }

  /**
   * An async Map over one Redis hash (JSON values, optional zod schema, TTL refreshed on writes).
   * See docs/dict.md.
   */
  dict<S extends z.ZodType>(
    name: string,
    options: DictOptions & { schema: S },
  ): Dict<z.output<S>, z.input<S>>;
  dict<V = unknown>(name: string, options?: DictOptions & { schema?: undefined }): Dict<V, V>;
  dict(name: string, options: DictOptions = {}): Dict {
    return createDict(this, name, options as DictOptions & { schema?: undefined });
  }

  /** A KRules-compatible subject property store. See docs/subjects.md. */
  subjects(options: SubjectsOptions = {}): SubjectStore {
    return createSubjects(this, options);
  }

  /**
   * A rate limiter (sliding window, fixed window or token bucket): `limit(identifier, { cost })`
   * → `{ success, remaining, resetAt }` in one round trip, exact across clients. See
   * docs/ratelimit.md.
   */
  ratelimit(options: RatelimitOptions): RateLimiter {
    return createRatelimit(this, options);
  }

  /** A Redis Streams queue with a consumer group and dead letters. See docs/stream-queues.md. */
  stream<T = unknown>(name: string, options: StreamOptions): StreamQueue<T> {
    return createStream<T>(this, name, options);
  }
}
