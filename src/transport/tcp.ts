/**
 * TCP transport on ioredis (Node only): standalone, TLS, Sentinel and Cluster.
 *
 * ioredis is told not to resend or hold commands on its own (`autoResendUnfulfilledCommands:
 * false`, a small `maxRetriesPerRequest`): the client's retry policy decides what is repeated,
 * because only it knows whether an operation is safe to run twice.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { RedgeConfig } from "../config/index.js";
import {
  AbortedError,
  CommandError,
  ConnectionError,
  RedgeError,
  TimeoutError,
} from "../errors.js";
import type {
  CommandOutcome,
  CommandPort,
  DedicatedConnection,
  DedicatedConnectionOptions,
  PortCallOptions,
  RedisCommand,
  RedisReply,
} from "../port.js";
import { redact } from "../security/redact.js";
import { type Lease, ResourcePool } from "./pool.js";

export type TcpConfig = Extract<RedgeConfig, { kind: "tcp" }>;

type Connection = Redis | Cluster;

export class TcpPort implements CommandPort {
  readonly kind = "tcp" as const;
  readonly connection: Connection;
  /** Rejecters of commands written to a live socket, failed at once if that socket closes. */
  readonly #inflight = new Set<(error: Error) => void>();
  readonly #config: TcpConfig;
  /** Connections for blocking commands, opened on first use, at most `maxConnections`. */
  #dedicated: ResourcePool<Connection> | undefined;
  #closed = false;

  constructor(config: TcpConfig) {
    this.#config = config;
    this.connection = createConnection(config);
    // Without a listener ioredis prints every connection error; faults reach callers as errors.
    this.connection.on("error", () => {});
    this.connection.on("close", () => this.#failInflight());
    this.connection.on("end", () => this.#failInflight());
  }

  command(command: RedisCommand, _options?: PortCallOptions): Promise<RedisReply> {
    const [name, ...args] = command;
    return this.#track(name, () => this.connection.call(name, ...args) as Promise<RedisReply>);
  }

  async pipeline(
    commands: readonly RedisCommand[],
    _options?: PortCallOptions,
  ): Promise<CommandOutcome[]> {
    const pipeline = this.connection.pipeline();
    for (const [name, ...args] of commands) pipeline.call(name, ...args);
    const results = await this.#track("pipeline", () => pipeline.exec());
    return toOutcomes(results, commands);
  }

  async transaction(
    commands: readonly RedisCommand[],
    _options?: PortCallOptions,
  ): Promise<CommandOutcome[]> {
    // MULTI, the commands and EXEC are written to the socket together, and Redis runs one
    // connection's commands in order, so sharing the connection cannot interleave transactions.
    const multi = this.connection.multi();
    for (const [name, ...args] of commands) multi.call(name, ...args);
    const results = await this.#track("exec", () => multi.exec());
    if (results === null)
      throw new CommandError("EXECABORT Transaction aborted", { command: "exec" });
    return toOutcomes(results, commands);
  }

  /**
   * Runs `fn` with a connection of its own from a pool of at most `maxConnections`, for blocking
   * commands that would stall every other caller on the shared, pipelined connection.
   */
  withDedicatedConnection<T>(
    fn: (connection: DedicatedConnection) => Promise<T>,
    options: DedicatedConnectionOptions,
  ): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new ConnectionError("The TCP client is closed", { sent: false }));
    }
    const config = this.#config;
    this.#dedicated ??= new ResourcePool<Connection>({
      max: config.maxConnections,
      label: "dedicated Redis connection",
      create: () => openDedicated(config),
      destroy: async (connection) => connection.disconnect(),
      isUsable: (connection) => connection.status === "ready",
    });
    return this.#dedicated.use(
      (connection, lease) =>
        fn({
          command: (command, call) => dedicatedCommand(connection, lease, command, call?.signal),
        }),
      options,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#dedicated?.close();
    try {
      await this.connection.quit();
    } catch {
      this.connection.disconnect();
    }
  }

  #track<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new ConnectionError("The TCP client is closed", { sent: false }));
    }
    const status = this.connection.status;
    // The last connection attempt failed and ioredis is waiting to try again: fail at once (the
    // client's backoff decides when to try again) instead of parking the command in ioredis'
    // offline queue through its reconnect delays.
    if (status === "reconnecting" || status === "end" || status === "close") {
      return Promise.reject(
        new ConnectionError("Redis is unreachable (reconnecting)", { sent: false }),
      );
    }
    // A command issued while connecting waits in ioredis' offline queue: it is never written
    // before the connection is ready, so if it fails it certainly did not run.
    const live = status === "ready";
    if (!live) return run().catch((error) => Promise.reject(toRedgeError(error, name, false)));
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error) => reject(error);
      this.#inflight.add(fail);
      run().then(
        (value) => {
          this.#inflight.delete(fail);
          resolve(value);
        },
        (error) => {
          this.#inflight.delete(fail);
          reject(toRedgeError(error, name, true));
        },
      );
    });
  }

  #failInflight(): void {
    if (this.#inflight.size === 0) return;
    const error = new ConnectionError("The connection to Redis closed before the reply arrived", {
      sent: true,
    });
    for (const fail of this.#inflight) fail(error);
    this.#inflight.clear();
  }
}

function toOutcomes(
  results: [Error | null, unknown][] | null,
  commands: readonly RedisCommand[],
): CommandOutcome[] {
  if (!results) throw new ConnectionError("The pipeline was not executed", { sent: false });
  return results.map(([error, result], i) =>
    error
      ? { ok: false, error: toCommandError(error, commands[i]?.[0]) }
      : { ok: true, result: result as RedisReply },
  );
}

function toCommandError(error: Error, command: string | undefined): CommandError {
  const redge = toRedgeError(error, command ?? "", true);
  return redge instanceof CommandError
    ? redge
    : new CommandError(redact(error.message), command === undefined ? undefined : { command });
}

/** Maps ioredis' errors onto redge's typed errors. `live`: the command may have been written. */
export function toRedgeError(error: unknown, command: string, live: boolean): Error {
  if (error instanceof RedgeError) return error;
  const err = error as { name?: string; message?: string; code?: string };
  const message = redact(err?.message ?? String(error));
  if (err?.name === "ReplyError") return new CommandError(message, { command });
  if (err?.name === "MaxRetriesPerRequestError") {
    return new ConnectionError("Redis is unreachable (reconnect attempts failed)", { sent: false });
  }
  if (message === "Command timed out") return new TimeoutError(0, { message });
  if (message.startsWith("Stream isn't writeable")) {
    return new ConnectionError("Redis is not connected", { sent: false });
  }
  if (message === "Connection is closed.") {
    return new ConnectionError("The connection to Redis is closed", { sent: live });
  }
  if (err?.code) return new ConnectionError(`Redis connection error (${err.code})`, { sent: live });
  if (
    /^(ERR|WRONGTYPE|NOSCRIPT|EXECABORT|LOADING|READONLY|BUSY|NOPERM|MOVED|ASK|TRYAGAIN|CLUSTERDOWN|MASTERDOWN)\b/.test(
      message,
    )
  ) {
    return new CommandError(message, { command });
  }
  return new ConnectionError(message, { sent: live });
}

/** Opens a dedicated connection and waits until it is ready, so a refused one never reaches a caller. */
async function openDedicated(config: TcpConfig): Promise<Connection> {
  const connection = createConnection(config, { dedicated: true });
  connection.on("error", () => {});
  try {
    await connection.connect();
  } catch (error) {
    connection.disconnect();
    throw toRedgeError(error, "connect", false);
  }
  return connection;
}

/**
 * One command on a dedicated connection. A connection whose command was abandoned (abort, timeout)
 * is still blocked on the server, and one that failed other than with a Redis error reply is in an
 * unknown state: both are disconnected and discarded instead of going back to the pool.
 */
function dedicatedCommand(
  connection: Connection,
  lease: Lease,
  command: RedisCommand,
  signal: AbortSignal | undefined,
): Promise<RedisReply> {
  const [name, ...args] = command;
  if (lease.discarded) {
    return Promise.reject(
      new ConnectionError("This dedicated connection was dropped", { sent: false }),
    );
  }
  const abortError = () =>
    signal?.reason instanceof RedgeError ? signal.reason : new AbortedError(signal?.reason);
  if (signal?.aborted) return Promise.reject(abortError());
  return new Promise<RedisReply>((resolve, reject) => {
    const onAbort = () => {
      lease.discard();
      // Closing the socket is the only way to end a blocked command; Redis unblocks it at once.
      connection.disconnect();
      reject(abortError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    (connection.call(name, ...args) as Promise<RedisReply>).then(
      (reply) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(reply);
      },
      (error: unknown) => {
        signal?.removeEventListener("abort", onAbort);
        const redge = toRedgeError(error, name, true);
        if (!(redge instanceof CommandError)) lease.discard();
        reject(redge);
      },
    );
  });
}

/** Reconnect delays: exponential from 50 ms, capped at 2 s. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 2_000);
}

function commonOptions(config: TcpConfig): RedisOptions {
  return {
    connectTimeout: config.connectTimeoutMs,
    // A queued command fails with the connection attempt it waited for; the client retries it.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    retryStrategy: reconnectDelay,
    keepAlive: 10_000,
    noDelay: true,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.tls ? { tls: tlsOptions(config.tls) } : {}),
  };
}

function tlsOptions(tls: NonNullable<TcpConfig["tls"]>): NonNullable<RedisOptions["tls"]> {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}

/**
 * Options of a dedicated (blocking) connection: connected explicitly, never pipelined, never
 * queueing offline, never reconnecting — a broken one is thrown away by the pool.
 */
const DEDICATED_OPTIONS: RedisOptions = {
  lazyConnect: true,
  enableAutoPipelining: false,
  enableOfflineQueue: false,
  retryStrategy: () => null,
};

export function createConnection(
  config: TcpConfig,
  { dedicated = false }: { dedicated?: boolean } = {},
): Connection {
  const extra = dedicated ? DEDICATED_OPTIONS : {};
  switch (config.mode) {
    case "standalone":
      return new Redis({
        ...commonOptions(config),
        ...extra,
        host: config.host,
        port: config.port,
        db: config.db,
      });
    case "sentinel":
      return new Redis({
        ...commonOptions(config),
        ...extra,
        sentinels: config.sentinels,
        name: config.masterName,
        db: config.db,
        ...(config.sentinelUsername !== undefined
          ? { sentinelUsername: config.sentinelUsername }
          : {}),
        ...(config.sentinelPassword !== undefined
          ? { sentinelPassword: config.sentinelPassword }
          : {}),
      });
    case "cluster": {
      const options: ClusterOptions = {
        redisOptions: commonOptions(config),
        enableAutoPipelining: !dedicated,
        clusterRetryStrategy: dedicated ? () => null : reconnectDelay,
        ...(dedicated ? { lazyConnect: true, enableOfflineQueue: false } : {}),
      };
      return new Cluster(config.nodes, options);
    }
  }
}
