/**
 * Opening and closing ioredis connections: the one place that turns a TCP config (standalone,
 * TLS, Sentinel, Cluster) into ioredis options, for the two users of ioredis in redge:
 *
 * - profile "client" (the TCP transport, src/transport/tcp.ts): ioredis never resends or holds a
 *   command on its own (`autoResendUnfulfilledCommands: false`, `maxRetriesPerRequest: 0`),
 *   because only the client's retry policy knows what is safe to repeat; auto-pipelining on;
 *   "dedicated" connections (blocking reads) connect explicitly and never reconnect.
 * - profile "gateway" (src/gateway/redis.ts): the same no-resend rule, plus a per-command timeout
 *   so a request fails fast (503) instead of waiting; no auto-pipelining (the gateway batches per
 *   event-loop turn itself, see gateway/batch.ts); integer replies as strings (exact beyond 2^53);
 *   named `redge-gateway` in CLIENT LIST.
 *
 * Through Sentinel both follow failovers with the follower in sentinel.ts.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { RedgeConfig } from "../../config/index.js";
import { applyKeepAliveProbes, checkKeepAlive, ioredisKeepAlive } from "./keep-alive.js";
import { createSentinelFollower, type SentinelFollower } from "./sentinel.js";
import { tlsConnectOptions } from "./tls-files.js";

export type TcpConfig = Extract<RedgeConfig, { kind: "tcp" }>;
export type Connection = Redis | Cluster;

export type ConnectProfile =
  | { kind: "client"; dedicated?: boolean }
  | { kind: "gateway"; commandTimeoutMs: number; readyCheck?: boolean };

/**
 * Drops a connection so ioredis reconnects (through the Sentinels, for a Sentinel connection).
 * `disconnect(true)` alone only half-closes the socket: a hung server never answers the FIN, so
 * the connection would stay `ready` — and keep taking commands — until the kernel gives up.
 * Destroying the socket closes it at once, failing the commands waiting on it.
 */
export function dropConnection(connection: Connection): void {
  if (connection instanceof Cluster) {
    connection.disconnect(true);
    return;
  }
  const stream = connection.stream as { destroy?: () => void } | undefined;
  if (connection.status === "ready" || connection.status === "connect") {
    if (stream?.destroy) {
      stream.destroy();
      return;
    }
  }
  connection.disconnect(true);
}

/**
 * QUIT, waiting at most `timeoutMs` for the answer; then the connection is closed for good (no
 * reconnection). Without an answer its sockets are destroyed at once: `disconnect()` alone
 * half-closes them and waits up to 2 s (ioredis' disconnectTimeout) for a hung server, which would
 * keep a shutting-down process alive that long.
 */
export async function closeConnection(connection: Connection, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const answered = await Promise.race([
    connection.quit().then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (answered) connection.disconnect();
  else closeNow(connection);
}

/** Closes a connection for good at once, its sockets destroyed rather than half-closed. */
export function closeNow(connection: Connection): void {
  const nodes = connection instanceof Cluster ? connection.nodes() : [connection];
  connection.disconnect();
  for (const node of nodes) (node.stream as { destroy?: () => void } | undefined)?.destroy?.();
}

/** Reconnect delays: exponential from 50 ms, capped at 2 s. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 2_000);
}

/** Through Sentinel: capped at 250 ms, so a failover is followed within a quarter second. */
function sentinelReconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** attempt, 250);
}

/** What every connection of a config shares: address-independent options and credentials. */
function commonOptions(config: TcpConfig, profile: ConnectProfile): RedisOptions {
  return {
    connectTimeout: config.connectTimeoutMs,
    // A queued command fails with the connection attempt it waited for; the client retries it.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    retryStrategy: reconnectDelay,
    keepAlive: ioredisKeepAlive(config.keepAlive),
    noDelay: true,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.tls ? { tls: tlsOptions(config.tls) } : {}),
    ...(profile.kind === "gateway" ? gatewayRedisOptions(profile) : {}),
  };
}

/**
 * The gateway's settings on top of the common ones. A request must fail fast while Redis is down
 * instead of waiting in ioredis' offline queue for a reconnection that may never come:
 * - `maxRetriesPerRequest: 0` rejects queued commands on every failed connection attempt;
 * - reconnection attempts are frequent (at most 500 ms apart), so a queued command waits at most
 *   that long before it is rejected, and recovery is noticed quickly;
 * - `commandTimeout` bounds a command that was sent but never answered;
 * - `autoResendUnfulfilledCommands: false`: a command that may have run is never silently re-run
 *   after a reconnection (INCR twice); the caller gets a 503 and decides.
 * The offline queue stays on so the first requests, sent while connecting, are not refused.
 * `stringNumbers` keeps integer replies beyond 2^53 exact (see gateway/encoding.ts).
 */
export function gatewayRedisOptions(
  profile: Extract<ConnectProfile, { kind: "gateway" }>,
): RedisOptions {
  const { commandTimeoutMs } = profile;
  return {
    connectionName: "redge-gateway",
    stringNumbers: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    enableAutoPipelining: false,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.min(commandTimeoutMs, 10_000),
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 500),
    // A Redis user barred from @dangerous (what --allow-scripts asks for) may not run INFO, which
    // ioredis' ready check sends; LOADING replies still come back as 503s without it.
    enableReadyCheck: profile.readyCheck ?? true,
  };
}

/** PEM text or files (read and checked once; see tls-files.ts). @throws ConfigError */
function tlsOptions(tls: NonNullable<TcpConfig["tls"]>): NonNullable<RedisOptions["tls"]> {
  return tlsConnectOptions(tls);
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

/**
 * A master that was demoted (it came back after a failover, or a manual REPLICAOF) answers writes
 * with READONLY: reconnect, which asks the Sentinels for the current master again. The failed
 * command still gets its READONLY error, which the client retries (it certainly did not run).
 */
function reconnectOnReadonly(error: Error): 1 | false {
  return /^READONLY\b/.test(error.message) ? 1 : false;
}

export interface ConnectOptions {
  /** Default: the client's. */
  profile?: ConnectProfile;
  /** Sentinel: a connection to a replica (replica reads) instead of the master. */
  role?: "replica" | undefined;
  /** Sentinel: the follower that moves this connection to a new master at once. */
  follower?: SentinelFollower | undefined;
}

/** Opens (or prepares, for a dedicated one) a connection for `config`. @throws ConfigError */
export function createConnection(config: TcpConfig, options: ConnectOptions = {}): Connection {
  checkKeepAlive(config.keepAlive);
  const connection = openConnection(config, options.profile ?? { kind: "client" }, options);
  applyKeepAliveProbes(connection, config.keepAlive);
  return connection;
}

function openConnection(
  config: TcpConfig,
  profile: ConnectProfile,
  { role, follower }: ConnectOptions,
): Connection {
  const dedicated = profile.kind === "client" && profile.dedicated === true;
  const extra = dedicated ? DEDICATED_OPTIONS : {};
  const gateway = profile.kind === "gateway";
  switch (config.mode) {
    case "standalone":
      return new Redis({
        ...commonOptions(config, profile),
        ...extra,
        host: config.host,
        port: config.port,
        db: config.db,
      });
    case "sentinel": {
      const connection = new Redis({
        ...commonOptions(config, profile),
        ...extra,
        ...(role === "replica" ? {} : follower?.masterOptions()),
        sentinels: config.sentinels,
        name: config.masterName,
        db: config.db,
        role: role === "replica" ? "slave" : "master",
        // Each reconnection attempt asks the Sentinels again (cheap): short delays reach the new
        // master soon. The follower (ioredis/sentinel.ts) drops connections to a replaced master the
        // moment the Sentinels announce the switch, and routes reconnections to its successor.
        retryStrategy: dedicated ? () => null : sentinelReconnectDelay,
        // 1, not 2 (resend after reconnecting): a READONLY inside a pipeline or MULTI would be
        // resent alone, outside its transaction. The failed command gets its READONLY (transient:
        // the client retries it, the gateway answers 503), the next one reaches the new master.
        sentinelCommandTimeout: config.connectTimeoutMs,
        ...(role === "replica" ? {} : { reconnectOnError: reconnectOnReadonly }),
        ...(config.sentinelUsername !== undefined
          ? { sentinelUsername: config.sentinelUsername }
          : {}),
        ...(config.sentinelPassword !== undefined
          ? { sentinelPassword: config.sentinelPassword }
          : {}),
      });
      follower?.attach(connection, role === "replica" ? "replica" : "master");
      return connection;
    }
    case "cluster": {
      const options: ClusterOptions = {
        redisOptions: commonOptions(config, profile),
        scaleReads: config.replicaReads && !dedicated ? "slave" : "master",
        // The gateway sends commands one by one to a Cluster (a pipeline must stay in one slot).
        enableAutoPipelining: !dedicated && !gateway,
        clusterRetryStrategy: dedicated
          ? () => null
          : gateway
            ? (attempt: number) => Math.min(attempt * 50, 500)
            : reconnectDelay,
        ...(dedicated ? { lazyConnect: true, enableOfflineQueue: false } : {}),
        ...(gateway ? { enableOfflineQueue: true } : {}),
      };
      return new Cluster(config.nodes, options);
    }
  }
}

/** The Sentinel follower for a Sentinel config (see sentinel.ts); `undefined` for other modes. */
export function followerFor(
  config: TcpConfig,
  log?: (line: string) => void,
): SentinelFollower | undefined {
  if (config.mode !== "sentinel") return undefined;
  return createSentinelFollower({
    sentinels: config.sentinels,
    masterName: config.masterName,
    sentinelUsername: config.sentinelUsername,
    sentinelPassword: config.sentinelPassword,
    connectTimeoutMs: config.connectTimeoutMs,
    ...(log ? { log } : {}),
  });
}
