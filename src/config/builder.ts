/**
 * A fluent, immutable config builder, for people used to the Python seeds' style. Every method
 * returns a new builder; `build()` runs the same `parseConfig` as everything else, so a bad
 * builder reports every bad field at once, in the same words.
 */
import { parseConfig } from "./parse.js";
import type { RedgeConfig, RedgeConfigInput, RetryInput, TlsInput } from "./schema.js";

type Address = { readonly host: string; readonly port: number };

export class RedgeConfigBuilder {
  // Private: neither `console.log(builder)` nor `JSON.stringify(builder)` shows the password.
  readonly #input: RedgeConfigInput;

  constructor(input: RedgeConfigInput = {}) {
    this.#input = { ...input };
  }

  #with(changes: RedgeConfigInput): RedgeConfigBuilder {
    return new RedgeConfigBuilder({ ...this.#input, ...changes });
  }

  /** A `redis://…` or `rediss://…` URL (for REST, use `rest(url, token)`). */
  url(url: string): RedgeConfigBuilder {
    return this.#with({ url });
  }

  /** The Upstash REST protocol: endpoint and bearer token. */
  rest(url: string, token: string): RedgeConfigBuilder {
    return this.#with({ url, token });
  }

  /** Host of a standalone Redis. */
  host(host: string): RedgeConfigBuilder {
    return this.#with({ host });
  }

  /** Port of a standalone Redis (default 6379). */
  port(port: number): RedgeConfigBuilder {
    return this.#with({ port });
  }

  /**
   * Logical database (default 0): a number, or the seeds' string form (`"0"`, as dtpyfw's
   * `set_redis_db("0")`). Anything else is reported by `build()` under `db`.
   */
  db(db: number | string): RedgeConfigBuilder {
    const digits = typeof db === "string" ? db.trim() : undefined;
    const value = digits !== undefined && /^\d{1,10}$/.test(digits) ? Number(digits) : db;
    return this.#with({ db: value as number });
  }

  /** ACL user name of the data nodes. */
  username(username: string): RedgeConfigBuilder {
    return this.#with({ username });
  }

  /** Password of the data nodes. */
  password(password: string): RedgeConfigBuilder {
    return this.#with({ password });
  }

  /** TLS on (`true`, the default argument), off (`false`), or with options (CA, client cert…). */
  tls(options: TlsInput = true): RedgeConfigBuilder {
    return this.#with({ tls: typeof options === "object" ? { ...options } : options });
  }

  /** Reach the master named `masterName` through these Sentinels. */
  sentinel(
    sentinels: readonly Address[],
    masterName: string,
    options: { username?: string; password?: string } = {},
  ): RedgeConfigBuilder {
    return this.#with({
      sentinel: {
        sentinels: sentinels.map(({ host, port }) => ({ host, port })),
        masterName,
        ...(options.username !== undefined ? { sentinelUsername: options.username } : {}),
        ...(options.password !== undefined ? { sentinelPassword: options.password } : {}),
      },
    });
  }

  /** A Redis Cluster, discovered from these seed nodes. */
  cluster(nodes: readonly Address[]): RedgeConfigBuilder {
    return this.#with({ cluster: { nodes: nodes.map(({ host, port }) => ({ host, port })) } });
  }

  /** Put in front of every key a capability builds. */
  keyPrefix(prefix: string): RedgeConfigBuilder {
    return this.#with({ keyPrefix: prefix });
  }

  /** TCP connect timeout in ms (default 10000). */
  connectTimeout(ms: number): RedgeConfigBuilder {
    return this.#with({ connectTimeoutMs: ms });
  }

  /** Default deadline of one call in ms (default 5000). */
  commandTimeout(ms: number): RedgeConfigBuilder {
    return this.#with({ commandTimeoutMs: ms });
  }

  /** Backoff settings; merged with earlier `retry` calls, the rest keeps its defaults. */
  retry(options: NonNullable<RetryInput>): RedgeConfigBuilder {
    const previous = this.#input.retry ?? {};
    return this.#with({ retry: { ...previous, ...options } });
  }

  /** Most connections (TCP) or concurrent requests (REST) at once (default 10). */
  maxConnections(count: number): RedgeConfigBuilder {
    return this.#with({ maxConnections: count });
  }

  /** Background health check interval in ms; 0 turns it off (default 30000). */
  healthCheckInterval(ms: number): RedgeConfigBuilder {
    return this.#with({ healthCheckIntervalMs: ms });
  }

  /** The input gathered so far (a copy; it holds secrets in the clear). */
  toInput(): RedgeConfigInput {
    return structuredClone(this.#input);
  }

  /** Validates and normalizes. @throws ConfigError listing every bad field. */
  build(): RedgeConfig {
    return parseConfig(this.#input);
  }
}

/**
 * Starts a fluent config.
 *
 * @example
 * const config = redgeConfig().host("redis.internal").port(6380).password(secret).db(2)
 *   .tls().keyPrefix("app:").commandTimeout(500).retry({ retries: 5 }).build();
 */
export function redgeConfig(initial: RedgeConfigInput = {}): RedgeConfigBuilder {
  return new RedgeConfigBuilder(initial);
}
