/**
 * TCP transport on ioredis (Node only): standalone, TLS, Sentinel and Cluster.
 *
 * ioredis is told not to resend or hold commands on its own (`autoResendUnfulfilledCommands:
 * false`, a small `maxRetriesPerRequest`): the client's retry policy decides what is repeated,
 * because only it knows whether an operation is safe to run twice.
 */
import { Cluster, type Redis } from "ioredis";
import type { DurableWrites } from "../config/index.js";
import {
  AbortedError,
  CommandError,
  ConnectionError,
  DurabilityError,
  isTransient,
  RedgeError,
  TimeoutError,
} from "../core/errors.js";
import type {
  CommandOutcome,
  CommandPort,
  DedicatedConnection,
  DedicatedConnectionOptions,
  PortCallOptions,
  PortCloseOptions,
  PortPubSubEvent,
  PubSubTargets,
  RedisCommand,
  RedisReply,
} from "../core/port.js";
import { classifyCommand } from "../core/read-commands.js";
import { redact } from "../core/redact.js";
import type { ServerIdentity, Topology } from "../core/topology.js";
import {
  type Connection,
  closeConnection,
  closeNow,
  createConnection,
  dropConnection,
  followerFor,
  type TcpConfig,
} from "./ioredis/connect.js";
import { failureTracker, observe, toRedgeError } from "./ioredis/errors.js";
import { type HealthCheckReport, probeConnection, startHealthCheck } from "./ioredis/health.js";
import type { SentinelFollower } from "./ioredis/sentinel.js";
import {
  clusterProbeNode,
  clusterTopology,
  peerOf,
  roleOf,
  sentinelTopology,
  topologyFromRole,
} from "./ioredis/topology.js";
import { type Lease, ResourcePool } from "./pool.js";
import { tcpSubscribe } from "./pubsub/tcp-subscribe.js";

export type { TcpConfig } from "./ioredis/connect.js";
export { closeConnection, dropConnection } from "./ioredis/connect.js";

export interface TcpPortOptions {
  /** Told about every periodic health check (config `healthCheckIntervalMs`). */
  onHealthCheck?: ((report: HealthCheckReport) => void) | undefined;
  /** Internal: the replica connection of `replicaReads` (Sentinel). */
  role?: "replica";
  /** Internal: the Sentinel follower of the port this replica connection belongs to. */
  follower?: SentinelFollower;
}

/** The most dedicated connections callers of one share key hold at once: half, rounded up. */
export function dedicatedShare(maxConnections: number): number {
  return Math.ceil(maxConnections / 2);
}

export class TcpPort implements CommandPort {
  readonly kind = "tcp" as const;
  readonly supportsDurableWrites = true;
  readonly connection: Connection;
  /** Rejecters of commands written to a live socket, failed at once if that socket closes. */
  readonly #inflight = new Set<(error: Error) => void>();
  readonly #config: TcpConfig;
  /** Connections for blocking commands, opened on first use, at most `maxConnections`. */
  #dedicated: ResourcePool<Connection> | undefined;
  /** Sentinel `replicaReads`: a second port on a replica, for single read-only commands. */
  readonly #replica: TcpPort | undefined;
  readonly #stopHealthCheck: (() => void) | undefined;
  /** This port is the `replicaReads` connection of another. */
  readonly #isReplica: boolean;
  /** Sentinel: moves every connection off a master the moment the Sentinels replace it. */
  readonly #follower: SentinelFollower | undefined;
  /** The follower was created by this port (not handed down to a replica connection). */
  readonly #ownsFollower: boolean;
  #closed = false;

  constructor(config: TcpConfig, options: TcpPortOptions = {}) {
    this.#config = config;
    this.#isReplica = options.role === "replica";
    this.#ownsFollower = config.mode === "sentinel" && options.follower === undefined;
    this.#follower = options.follower ?? followerFor(config);
    this.connection = createConnection(config, { role: options.role, follower: this.#follower });
    // Without a listener ioredis prints every connection error; faults reach callers as errors.
    this.connection.on("error", () => {});
    // Ready counts and credential failures, for whether a failed command may have run.
    observe(this.connection, { errors: true });
    this.connection.on("close", () => this.#failInflight());
    this.connection.on("end", () => this.#failInflight());
    if (options.role !== "replica" && config.mode === "sentinel" && config.replicaReads) {
      this.#replica = new TcpPort(config, {
        role: "replica",
        ...(this.#follower ? { follower: this.#follower } : {}),
      });
    }
    // The replica connection is checked too: a hung replica (SIGSTOP) keeps its socket open and
    // would look `ready` forever. A failed probe drops it, and reads go to the master until it
    // is ready again.
    if (config.healthCheckIntervalMs > 0) {
      const timeoutMs = Math.min(config.commandTimeoutMs, config.healthCheckIntervalMs);
      this.#stopHealthCheck = startHealthCheck({
        intervalMs: config.healthCheckIntervalMs,
        timeoutMs,
        state: () => {
          const status = this.connection.status;
          return status === "ready" ? "ready" : status === "connect" ? "pending" : "other";
        },
        probe: () =>
          probeConnection(this.connection, this.#config.mode === "sentinel" && !this.#isReplica),
        reconnect: () => {
          // The commands written to the dropped connection got no answer in time either: they
          // fail as timeouts (they may have run), not as a lost connection.
          this.#failInflight(
            new TimeoutError(timeoutMs, {
              message: `Redis stopped answering (health check: no answer within ${timeoutMs} ms)`,
            }),
          );
          dropConnection(this.connection);
        },
        onReport: options.role === "replica" ? undefined : options.onHealthCheck,
      });
    }
  }

  command(command: RedisCommand, options?: PortCallOptions): Promise<RedisReply> {
    if (options?.durable) return this.#durableCommand(command, options.durable);
    const replica = this.#replica;
    // A replica that is not connected (none available, reconnecting) leaves reads to the master.
    if (replica && replica.connection.status === "ready" && isRead(command)) {
      return this.#replicaRead(replica, command);
    }
    return this.#masterCommand(command);
  }

  #masterCommand(command: RedisCommand): Promise<RedisReply> {
    const [name, ...args] = command;
    return this.#track(
      name,
      () => this.connection.call(wireName(name), ...args) as Promise<RedisReply>,
    );
  }

  /**
   * A read on the replica, given at most half the command timeout: a replica that does not answer
   * in time (hung) or whose connection fails is dropped — it reconnects through the Sentinels,
   * and reads go to the master until it is ready again — and the read runs on the master with the
   * time left. Reads are safe to run twice.
   */
  #replicaRead(replica: TcpPort, command: RedisCommand): Promise<RedisReply> {
    const budgetMs = Math.max(1, Math.floor(this.#config.commandTimeoutMs / 2));
    return new Promise<RedisReply>((resolve, reject) => {
      let settled = false;
      const fallBack = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (replica.connection.status === "ready") dropConnection(replica.connection);
        this.#masterCommand(command).then(resolve, reject);
      };
      const timer = setTimeout(fallBack, budgetMs);
      replica.command(command).then(
        (reply) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          if (settled) return;
          // LOADING, MASTERDOWN (a replica cut off from its master): the master can answer.
          if (
            error instanceof ConnectionError ||
            error instanceof TimeoutError ||
            isTransient(error)
          ) {
            return fallBack();
          }
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  async pipeline(
    commands: readonly RedisCommand[],
    options?: PortCallOptions,
  ): Promise<CommandOutcome[]> {
    const durable = options?.durable;
    const pipeline = this.connection.pipeline();
    for (const [name, ...args] of commands) pipeline.call(wireName(name), ...args);
    // WAIT in the same pipeline: it runs on the connection (and, in a Cluster, the node) that
    // just wrote, after the writes; a WAIT sent later could land on a new connection whose
    // writes are nothing and would acknowledge at once.
    if (durable) pipeline.call("WAIT", durable.replicas, durable.timeoutMs);
    const results = await this.#track("pipeline", () => pipeline.exec());
    const outcomes = toOutcomes(results, durable ? [...commands, ["WAIT"]] : commands);
    if (durable) checkDurable(outcomes.pop(), durable, outcomes);
    return outcomes;
  }

  async #durableCommand(command: RedisCommand, durable: DurableWrites): Promise<RedisReply> {
    const [outcome] = await this.pipeline([command], { durable });
    if (!outcome?.ok) throw outcome?.error ?? new ConnectionError("No reply", { sent: true });
    return outcome.result;
  }

  async transaction(
    commands: readonly RedisCommand[],
    options?: PortCallOptions,
  ): Promise<CommandOutcome[]> {
    if (options?.durable) return this.#durableTransaction(commands, options.durable);
    // MULTI, the commands and EXEC are written to the socket together, and Redis runs one
    // connection's commands in order, so sharing the connection cannot interleave transactions.
    const multi = this.connection.multi();
    for (const [name, ...args] of commands) multi.call(wireName(name), ...args);
    const results = await this.#track("exec", () => multi.exec());
    if (results === null)
      throw new CommandError("EXECABORT Transaction aborted", { command: "exec" });
    return toOutcomes(results, commands);
  }

  /**
   * MULTI, the commands, EXEC and WAIT as one pipeline of plain commands (ioredis' `multi()` has
   * no room for a command after EXEC), so WAIT runs right after EXEC on the same connection.
   */
  async #durableTransaction(
    commands: readonly RedisCommand[],
    durable: DurableWrites,
  ): Promise<CommandOutcome[]> {
    const pipeline = this.connection.pipeline();
    pipeline.call("MULTI");
    for (const [name, ...args] of commands) pipeline.call(wireName(name), ...args);
    pipeline.call("EXEC");
    pipeline.call("WAIT", durable.replicas, durable.timeoutMs);
    const results = await this.#track("exec", () => pipeline.exec());
    if (!results) throw new ConnectionError("The pipeline was not executed", { sent: false });
    const queued = results.slice(1, commands.length + 1);
    const [execError, execReply] = results[commands.length + 1] ?? [null, null];
    const wait = toOutcomes([results[commands.length + 2] ?? [null, null]], [["WAIT"]]);
    if (execError || !Array.isArray(execReply)) {
      // Rejected while queuing (nothing ran), as `transaction` reports it without durability.
      const first = queued.find(([error]) => error)?.[0];
      const message = execError
        ? `${redact(execError.message)}${first ? ` First error: ${redact(first.message)}` : ""}`
        : "EXECABORT Transaction aborted";
      throw new CommandError(message, { command: "exec" });
    }
    const outcomes = execReply.map((reply, i): CommandOutcome => {
      if (reply instanceof Error)
        return { ok: false, error: toCommandError(reply, commands[i]?.[0]) };
      return { ok: true, result: reply as RedisReply };
    });
    checkDurable(wait[0], durable, outcomes);
    return outcomes;
  }

  /** The master and replicas behind this port (see `client.topology()`). */
  topology(_options?: PortCallOptions): Promise<Topology> {
    const config = this.#config;
    if (config.mode === "sentinel") return sentinelTopology(config);
    if (config.mode === "cluster") {
      return this.#track("cluster", () => this.connection.call("CLUSTER", "NODES")).then(
        clusterTopology,
      );
    }
    const connection = this.connection as Redis;
    return this.#track("role", () => connection.call("ROLE")).then((reply) =>
      topologyFromRole(reply, peerOf(connection) ?? { host: config.host, port: config.port }),
    );
  }

  /** Role and address of the server this port talks to (a Cluster: one of its masters). */
  async identify(_options?: PortCallOptions): Promise<ServerIdentity> {
    const connection = this.connection;
    if (connection instanceof Cluster) {
      const node = clusterProbeNode(connection);
      if (!node) throw new ConnectionError("No Cluster node is connected", { sent: false });
      const reply = await this.#track("role", () => node.call("ROLE"));
      return { role: roleOf(reply), address: peerOf(node) };
    }
    const reply = await this.#track("role", () => connection.call("ROLE"));
    return { role: roleOf(reply), address: peerOf(connection) };
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
      // One share key (a stream, for blocking receives) holds at most half: the rest stays for
      // the others, so many blocked readers of one stream cannot starve every other stream.
      maxPerKey: dedicatedShare(config.maxConnections),
      label: "dedicated Redis connection",
      create: () => openDedicated(config, this.#follower),
      // Blocked or idle, a dedicated connection has nothing to flush: closed at once.
      destroy: async (connection) => closeNow(connection),
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

  /**
   * A subscriber connection of its own per stream (see pubsub/tcp-subscribe.ts), outside the
   * dedicated pool: a subscription lasts as long as its caller wants, and must not hold a
   * connection that blocking reads wait for.
   */
  subscribe(targets: PubSubTargets, signal: AbortSignal): AsyncIterable<PortPubSubEvent> {
    if (this.#closed) throw new ConnectionError("The TCP client is closed", { sent: false });
    return tcpSubscribe({ config: this.#config, follower: this.#follower }, targets, signal);
  }

  /**
   * QUIT (replies already on the wire still arrive), but for at most `timeoutMs` (default
   * `commandTimeoutMs`): a server that does not answer (hung, unreachable) has its sockets
   * destroyed, failing what waits on them, so a process can always shut down.
   */
  async close(options: PortCloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const timeoutMs = options.timeoutMs ?? this.#config.commandTimeoutMs;
    this.#stopHealthCheck?.();
    if (this.#ownsFollower) this.#follower?.close();
    await Promise.all([
      this.#dedicated?.close(),
      this.#replica?.close({ timeoutMs }),
      closeConnection(this.connection, timeoutMs),
    ]);
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
    // A command issued while connecting waits in ioredis' offline queue: it is written only once
    // the connection is ready, so if it fails before that it certainly did not run.
    const failure = failureTracker(this.connection, undefined, name);
    if (status !== "ready") return run().catch((error) => Promise.reject(failure(error)));
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
          reject(failure(error));
        },
      );
    });
  }

  #failInflight(
    error: Error = new ConnectionError("The connection to Redis closed before the reply arrived", {
      sent: true,
    }),
  ): void {
    if (this.#inflight.size === 0) return;
    for (const fail of this.#inflight) fail(error);
    this.#inflight.clear();
  }
}

/**
 * The command name as sent to ioredis. ioredis rewrites replies by lower-case command name
 * (`hgetall` into an object), which would make the port's reply depend on how the caller spelled
 * the name (`@upstash/redis` spells it in lower case); upper case reaches Redis unchanged.
 */
function wireName(name: string): string {
  return name.length === 7 && name.toLowerCase() === "hgetall" ? "HGETALL" : name;
}

/**
 * Whether a command only reads, so it may go to a replica. PING stays on the master: it is how
 * `health()` checks the server that takes the writes.
 */
function isRead(command: RedisCommand): boolean {
  if (String(command[0]).toUpperCase() === "PING") return false;
  return classifyCommand(command.map(String)).access === "read";
}

/**
 * Checks WAIT's outcome. A failed WAIT after a command that failed transiently (READONLY: the
 * server is a replica now, where WAIT is refused too) reports that command's error, so the
 * client's retry policy sees it.
 */
function checkDurable(
  wait: CommandOutcome | undefined,
  durable: DurableWrites,
  outcomes: readonly CommandOutcome[],
): void {
  if (!wait) throw new ConnectionError("WAIT got no reply", { sent: true });
  if (!wait.ok) {
    const transient = outcomes.find((o) => !o.ok && isTransient(o.error));
    throw transient && !transient.ok ? transient.error : wait.error;
  }
  const acknowledged = Number(wait.result);
  if (!(acknowledged >= durable.replicas)) {
    throw new DurabilityError(acknowledged, durable.replicas, durable.timeoutMs);
  }
}

function toOutcomes(
  results: [Error | null, unknown][] | null,
  commands: readonly RedisCommand[],
): CommandOutcome[] {
  if (!results) throw new ConnectionError("The pipeline was not executed", { sent: false });
  return results.map(([error, result], i) => {
    if (!error) return { ok: true, result: result as RedisReply };
    // A connection fault (ioredis gave up on the queued pipeline) fails the whole call, typed as
    // what it is so the retry policy can see it; only Redis' error replies are per command.
    const redge = mapError(error, commands[i]?.[0] ?? "", true);
    if (redge instanceof ConnectionError || redge instanceof TimeoutError) throw redge;
    return { ok: false, error: toCommandError(error, commands[i]?.[0]) };
  });
}

function toCommandError(error: Error, command: string | undefined): CommandError {
  const redge = mapError(error, command ?? "", true);
  return redge instanceof CommandError
    ? redge
    : new CommandError(redact(error.message), command === undefined ? undefined : { command });
}

/** Maps ioredis' errors onto redge's typed errors. `live`: the command may have been written. */
function mapError(error: unknown, command: string, live: boolean): Error {
  return toRedgeError(error, { command, mayHaveRun: live });
}

/** Opens a dedicated connection and waits until it is ready, so a refused one never reaches a caller. */
async function openDedicated(
  config: TcpConfig,
  follower: SentinelFollower | undefined,
): Promise<Connection> {
  const connection = createConnection(config, {
    profile: { kind: "client", dedicated: true },
    follower,
  });
  connection.on("error", () => {});
  try {
    await connection.connect();
  } catch (error) {
    connection.disconnect();
    throw mapError(error, "connect", false);
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
    (connection.call(wireName(name), ...args) as Promise<RedisReply>).then(
      (reply) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(reply);
      },
      (error: unknown) => {
        signal?.removeEventListener("abort", onAbort);
        const redge = mapError(error, name, true);
        if (!(redge instanceof CommandError)) lease.discard();
        reject(redge);
      },
    );
  });
}
