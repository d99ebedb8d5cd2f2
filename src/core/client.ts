/**
 * The core client: the same surface over every transport. It adds what every call needs on top
 * of a command port: input checks, a deadline, retries on transient faults, scripts with NOSCRIPT
 * fallback, a health check that never throws, and the key prefix capabilities build keys with.
 */

import { createDeadline } from "./call.js";
import { assertCommand, assertCommands } from "./command-input.js";
import { asyncDispose } from "./dispose.js";
import { CommandError, ConnectionError, RedgeError, ValidationError } from "./errors.js";
import type { DurableWrites } from "./fields.js";
import { durableWritesSchema } from "./fields.js";
import type {
  CommandOutcome,
  CommandPort,
  PortCallOptions,
  RedisArg,
  RedisCommand,
  RedisReply,
} from "./port.js";
import {
  channelNameSchema,
  type SubscribeOptions,
  type SubscribeTargets,
  Subscription,
} from "./pubsub.js";
import { classifyCommand } from "./read-commands.js";
import { redact } from "./redact.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, runWithRetry } from "./retry.js";
import { Script } from "./script.js";
import type { ServerAddress, ServerRole, Topology } from "./topology.js";
import { parseInput, rawTextSchema } from "./validation.js";

export interface CallOptions {
  /** Give up waiting after this many ms (default: the client's `commandTimeoutMs`). */
  timeoutMs?: number;
  /** Stop waiting when this signal fires; rejects with AbortedError. */
  signal?: AbortSignal;
  /**
   * Whether repeating the call is harmless (default true). When false, a fault after which the
   * command may have run (timeout, connection reset) is reported instead of retried.
   */
  idempotent?: boolean;
  /** `false` disables retries for this call; an object overrides parts of the policy. */
  retry?: boolean | Partial<RetryPolicy>;
  /**
   * Durable write (TCP only): `{ replicas, timeoutMs }` waits until that many replicas have the
   * write (`WAIT`, on the connection that wrote) and rejects with a `DurabilityError` when fewer
   * acknowledged in time; `false` turns the client's `durableWrites` off for this call. The call's
   * deadline grows by `timeoutMs`.
   */
  durable?: DurableWrites | false;
}

export interface CloseOptions {
  /** Wait at most this long for Redis to answer QUIT (default: the client's `commandTimeoutMs`). */
  timeoutMs?: number;
}

export interface ClientOptions {
  /**
   * Put in front of every key a capability builds (never applied to raw `command()` calls);
   * subjects put it after `s:`, as KRules puts its `REDIS_KEY_PREFIX`.
   */
  keyPrefix?: string;
  /** Default per-call timeout. */
  commandTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Told about each retry; gets the error (never with secrets) and the attempt number. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * Make every write durable (see `CallOptions.durable`): commands that can write, pipelines and
   * transactions holding one, and every script. TCP only.
   */
  durableWrites?: DurableWrites;
}

/** A connection held by one caller alone (see `CoreClient.withDedicatedConnection`). */
export interface DedicatedClientConnection {
  /**
   * Runs one command on the held connection, e.g. `XREADGROUP … BLOCK 5000 …`, with a deadline
   * (default: the client's `commandTimeoutMs`; give a blocking command its block time on top).
   * Not retried: a blocking read is not safe to repeat blindly.
   */
  command<T extends RedisReply = RedisReply>(
    command: RedisCommand,
    options?: Pick<CallOptions, "timeoutMs" | "signal">,
  ): Promise<T>;
}

export interface DedicatedConnectionCallOptions {
  /** Wait at most this long for a free pooled connection (default: `commandTimeoutMs`; 0: do not wait). */
  acquireTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Callers passing the same key hold at most half the pool (rounded up) at once; the rest stays
   * for other keys. A stream queue's blocking receive passes its stream's key.
   */
  shareKey?: string;
}

export interface HealthReport {
  ok: boolean;
  /** Round-trip time of a PING, in ms (also measured when it failed). */
  latencyMs: number;
  /** Why it failed, with credentials scrubbed. */
  error?: string;
  /** TCP: the role of the server that answered (`ROLE`), when it could be asked. */
  role?: ServerRole;
  /** TCP: the address of the server that answered, when known. */
  address?: ServerAddress;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

/**
 * The client every capability takes: commands, pipelines, transactions and scripts over one
 * command port, with input checks, deadlines, retries, durable writes, health and topology. It
 * knows nothing of capabilities; `RedgeClient` (src/client.ts) adds their accessors.
 */
export class CoreClient {
  readonly #port: CommandPort;
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly #onRetry: ClientOptions["onRetry"];
  /** Applied to every write unless a call says otherwise. */
  readonly durableWrites: DurableWrites | undefined;
  #closed = false;
  /** Open subscriptions, closed with the client. */
  readonly #subscriptions = new Set<Subscription>();

  constructor(port: CommandPort, options: ClientOptions = {}) {
    this.#port = port;
    this.keyPrefix = options.keyPrefix ?? "";
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#onRetry = options.onRetry;
    if (options.durableWrites !== undefined) {
      this.#assertDurableSupported();
      this.durableWrites = parseInput(durableWritesSchema, options.durableWrites, "durableWrites");
    }
  }

  /** Which transport this client speaks: `rest` or `tcp`. */
  get transport(): "rest" | "tcp" {
    return this.#port.kind;
  }

  /** The key prefix followed by `name`. */
  key(name: string): string {
    return this.keyPrefix + name;
  }

  /** Runs one command, e.g. `await client.command(["SET", "k", "v"])`, and returns Redis' reply. */
  async command<T extends RedisReply = RedisReply>(
    command: RedisCommand,
    options?: CallOptions,
  ): Promise<T> {
    assertCommand(command);
    const call = this.#durability(options, [command]);
    return (await this.#call(call, (port) => this.#port.command(command, port))) as T;
  }

  /**
   * Runs commands in one round trip, not atomically. Resolves with one outcome per command, in
   * order: `{ ok: true, result }` or `{ ok: false, error }` (a CommandError).
   */
  async pipeline(
    commands: readonly RedisCommand[],
    options?: CallOptions,
  ): Promise<CommandOutcome[]> {
    return this.#batch("pipeline", commands, options);
  }

  /**
   * Runs commands atomically with MULTI/EXEC. Rejects (nothing ran) when Redis refuses a command
   * while queuing; otherwise one outcome per command.
   */
  async transaction(
    commands: readonly RedisCommand[],
    options?: CallOptions,
  ): Promise<CommandOutcome[]> {
    return this.#batch("transaction", commands, options);
  }

  async #batch(
    kind: "pipeline" | "transaction",
    commands: readonly RedisCommand[],
    options: CallOptions | undefined,
  ): Promise<CommandOutcome[]> {
    assertCommands(commands);
    if (commands.length === 0) return [];
    const call = this.#durability(options, commands);
    return this.#call(call, (port) => this.#port[kind](commands, port));
  }

  /** A script object to pass to `runScript`; its SHA-1 is computed once. */
  script(source: string, sha?: string): Script {
    if (typeof source !== "string" || source.length === 0) {
      throw new ValidationError([{ path: "source", message: "must be a non-empty Lua script" }]);
    }
    return new Script(source, sha);
  }

  /**
   * Runs a Lua script: EVALSHA first (one round trip in the steady state), EVAL when the server
   * does not know the script yet.
   */
  async runScript<T extends RedisReply = RedisReply>(
    script: Script,
    keys: readonly string[],
    args: readonly RedisArg[],
    options?: CallOptions,
  ): Promise<T> {
    const mismatch = script.keyMismatch(keys.length);
    if (mismatch) throw new RedgeError("validation", mismatch);
    const sha = await script.sha();
    const tail: RedisArg[] = [keys.length, ...keys, ...args];
    // A script can write whatever it likes: it counts as a write for `durableWrites`, unless it
    // is declared read-only (`-- @read-only` in its .lua file: redge's get, size, peek...).
    const durability = script.readOnly
      ? this.#durability(options, [])
      : this.#durability(options, null);
    return (await this.#call(durability, async (call) => {
      try {
        return await this.#port.command(["EVALSHA", sha, ...tail], call);
      } catch (error) {
        if (error instanceof CommandError && error.prefix === "NOSCRIPT") {
          return this.#port.command(["EVAL", script.source, ...tail], call);
        }
        throw error;
      }
    })) as T;
  }

  /**
   * Runs `fn` with a connection from the transport's bounded pool (size: config `maxConnections`),
   * held by `fn` alone, for blocking commands. When every pooled connection (or the `shareKey`'s
   * share of them) stays busy for `acquireTimeoutMs`, rejects with `AcquireTimeoutError`. A connection that broke, or whose
   * command timed out or was aborted, is dropped rather than reused.
   *
   * TCP only: REST has no connection to hold (and the gateway refuses blocking commands), so there
   * it rejects with a RedgeError of code `config`; check `client.transport` first.
   */
  async withDedicatedConnection<T>(
    fn: (connection: DedicatedClientConnection) => Promise<T>,
    options: DedicatedConnectionCallOptions = {},
  ): Promise<T> {
    if (this.#closed) throw new ConnectionError("The client is closed", { sent: false });
    const port = this.#port;
    if (!port.withDedicatedConnection) {
      throw new RedgeError(
        "config",
        `The ${port.kind} transport has no dedicated connections (blocking commands need TCP)`,
      );
    }
    const acquireTimeoutMs = options.acquireTimeoutMs ?? this.commandTimeoutMs;
    if (!(acquireTimeoutMs >= 0) || !Number.isFinite(acquireTimeoutMs)) {
      throw new ValidationError([
        { path: "acquireTimeoutMs", message: "must be a finite number ≥ 0" },
      ]);
    }
    return port.withDedicatedConnection(
      (connection) =>
        fn({
          command: async <R extends RedisReply = RedisReply>(
            command: RedisCommand,
            call?: Pick<CallOptions, "timeoutMs" | "signal">,
          ): Promise<R> => {
            assertCommand(command);
            const deadline = createDeadline(call?.timeoutMs ?? this.commandTimeoutMs, call?.signal);
            try {
              return (await deadline.race(connection.command(command, deadline.call))) as R;
            } finally {
              deadline.dispose();
            }
          },
        }),
      { acquireTimeoutMs, signal: options.signal, shareKey: options.shareKey },
    );
  }

  /**
   * Subscribes to channels (`"news"`, `["a", "b"]`) and glob patterns (`{ patterns: ["news.*"] }`)
   * and returns an async iterator of events: `subscribed` per channel or pattern once the server
   * confirmed it, `message` / `pmessage`, and `reconnected` after a dropped stream was replaced
   * (with the retry policy's backoff, or `options.reconnect`). Messages published while no stream
   * was open are lost: Redis pub/sub delivers at most once. `break`, `close()`, the signal or
   * `client.close()` end it.
   *
   * REST: one server-sent-event request per kind (`POST /subscribe/...`, `/psubscribe/...`) over
   * fetch; TCP: a subscriber connection of its own. Nothing opens before the first `next()`.
   *
   * @throws ValidationError for a bad name (nothing opened)
   */
  subscribe(targets: SubscribeTargets, options?: SubscribeOptions): Subscription {
    if (this.#closed) throw new ConnectionError("The client is closed", { sent: false });
    const subscription: Subscription = new Subscription({
      port: this.#port,
      targets,
      options,
      retryPolicy: this.retryPolicy,
      onRetry: this.#onRetry,
      onEnd: () => this.#subscriptions.delete(subscription),
    });
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Publishes `message` on `channel` (PUBLISH) and resolves with how many subscribers received it
   * (on a Cluster: those connected to the node that ran it). Not retried after a fault that may
   * have delivered it: a message sent twice would reach its subscribers twice.
   */
  async publish(
    channel: string,
    message: string,
    options?: Omit<CallOptions, "idempotent">,
  ): Promise<number> {
    const name = parseInput(channelNameSchema, channel, "channel");
    const text = parseInput(rawTextSchema, message, "message");
    return Number(await this.command(["PUBLISH", name, text], { ...options, idempotent: false }));
  }

  /** PINGs the server once. Never throws: a failure is reported in the result. */
  async health(options: { timeoutMs?: number } = {}): Promise<HealthReport> {
    const started = performance.now();
    try {
      const reply = await this.command(["PING"], {
        timeoutMs: options.timeoutMs ?? Math.min(this.commandTimeoutMs, 2_000),
        retry: false,
      });
      const latencyMs = performance.now() - started;
      if (reply !== "PONG") return { ok: false, latencyMs, error: `unexpected PING reply` };
      return { ok: true, latencyMs, ...(await this.#identify(options.timeoutMs)) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, latencyMs: performance.now() - started, error: redact(message) };
    }
  }

  /**
   * The servers behind this client right now: for Sentinel the master the Sentinels report and
   * the healthy replicas, for Cluster every node with its slots, for a standalone server itself
   * (and its replicas, if it has some). Retried on transient faults like any call.
   *
   * TCP only: the servers behind a REST endpoint are not visible through it, so on REST this
   * rejects with a RedgeError of code `config` (check `client.transport` first).
   */
  async topology(options?: Pick<CallOptions, "timeoutMs" | "signal" | "retry">): Promise<Topology> {
    const port = this.#port;
    if (!port.topology) {
      throw new RedgeError(
        "config",
        `topology() needs the TCP transport: the servers behind a ${port.kind} endpoint are not visible through it`,
      );
    }
    const topology = port.topology.bind(port);
    return this.#call(options, (call) => topology(call));
  }

  /** Role and address of the answering server for `health()`; empty when they cannot be had. */
  async #identify(timeoutMs: number | undefined): Promise<Pick<HealthReport, "role" | "address">> {
    const port = this.#port;
    if (!port.identify) return {};
    const identify = port.identify.bind(port);
    try {
      const identity = await this.#call(
        { timeoutMs: timeoutMs ?? Math.min(this.commandTimeoutMs, 2_000), retry: false },
        (call) => identify(call),
      );
      return { role: identity.role, ...(identity.address ? { address: identity.address } : {}) };
    } catch {
      // The PING answered: the server is healthy even if it would not say who it is.
      return {};
    }
  }

  /**
   * Closes the transport's connections. Resolves within `timeoutMs` (default `commandTimeoutMs`)
   * whatever Redis does: a server that does not answer QUIT in time has its connection dropped,
   * and calls still waiting on it reject. Safe to call twice.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      throw new ValidationError([{ path: "timeoutMs", message: "must be a finite number ≥ 0" }]);
    }
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    await this.#port.close({ timeoutMs });
  }

  /**
   * `close()`, for explicit resource management (the seeds' `async with`):
   * `await using redis = createNodeClient(config);` closes it when the block is left, by return
   * or by throw.
   */
  async [asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * The call's options with `durable` resolved: the call's own setting wins; else the client's
   * `durableWrites` when the commands can write (`null`: a script, which always can).
   */
  #durability(
    options: CallOptions | undefined,
    commands: readonly RedisCommand[] | null,
  ): CallOptions | undefined {
    const own = options?.durable;
    if (own === false) return options;
    if (own !== undefined) {
      this.#assertDurableSupported();
      return { ...options, durable: parseInput(durableWritesSchema, own, "durable") };
    }
    if (this.durableWrites === undefined) return options;
    const writes =
      commands === null ||
      commands.some((command) => classifyCommand(command.map(String)).access === "write");
    return writes ? { ...options, durable: this.durableWrites } : options;
  }

  #assertDurableSupported(): void {
    if (!this.#port.supportsDurableWrites) {
      throw new RedgeError(
        "config",
        `Durable writes need the TCP transport: WAIT must run on the connection that wrote, which ${this.#port.kind} does not have`,
      );
    }
  }

  async #call<T>(
    options: CallOptions | undefined,
    attempt: (call: PortCallOptions) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw new ConnectionError("The client is closed", { sent: false });
    const durable = options?.durable || undefined;
    // WAIT may take its whole timeout after the write itself: the deadline makes room for it.
    const timeoutMs = (options?.timeoutMs ?? this.commandTimeoutMs) + (durable?.timeoutMs ?? 0);
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      throw new ValidationError([{ path: "timeoutMs", message: "must be a finite number ≥ 0" }]);
    }
    const retry = options?.retry;
    const policy: RetryPolicy =
      retry === false
        ? { ...this.retryPolicy, retries: 0 }
        : typeof retry === "object"
          ? { ...this.retryPolicy, ...retry }
          : this.retryPolicy;
    return runWithRetry(
      async () => {
        // Each attempt gets its own deadline: a retry after a timeout has the full time again.
        const deadline = createDeadline(timeoutMs, options?.signal);
        try {
          // The port reads `signal` lazily (see call.ts): pass the deadline's own object unless
          // there is more to say.
          const call = durable ? withDurable(deadline.call, durable) : deadline.call;
          return await deadline.race(attempt(call));
        } finally {
          deadline.dispose();
        }
      },
      {
        policy,
        idempotent: options?.idempotent ?? true,
        signal: options?.signal,
        onRetry: this.#onRetry,
        // Closed meanwhile (shutting down): the fault is reported now, not retried for nothing.
        stopped: () => this.#closed,
      },
    );
  }
}

/** Port call options adding `durable` to a deadline's, keeping its lazily created signal. */
function withDurable(
  call: { readonly signal: AbortSignal },
  durable: DurableWrites,
): PortCallOptions {
  return {
    get signal() {
      return call.signal;
    },
    durable,
  };
}
