/**
 * The gateway in front of Redis Sentinel or a Redis Cluster: `redis: { sentinel: {…} }` or
 * `redis: { cluster: {…} }` (plus `username`, `password`, `tls`, `db` for the data nodes), the
 * same shapes as the client config, validated by the same schema. The connection gets the
 * gateway's fail-fast settings (see `gatewayRedisOptions`), and through Sentinel it follows
 * failovers as the TCP transport does (src/transport/ioredis/sentinel.ts): the moment the Sentinels
 * announce a new master, connections to the old one are dropped and reconnect to the new one;
 * a demoted master's READONLY reply makes a connection reconnect too.
 */
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { type ClusterConfig, parseConfig, type SentinelConfig } from "../config/index.js";
import type { ClusterInput, SentinelInput, TlsInput } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import { createSentinelFollower, type SentinelFollower } from "../transport/ioredis/sentinel.js";
import { tlsConnectOptions } from "../transport/ioredis/tls-files.js";

/** A Sentinel or Cluster for the gateway to serve, in the client config's shape. */
export type TopologySource = (
  | { sentinel: SentinelInput; cluster?: undefined }
  | { cluster: ClusterInput; sentinel?: undefined }
) & { username?: string; password?: string; tls?: TlsInput; db?: number };

const TOPOLOGY_FIELDS = new Set(["sentinel", "cluster", "username", "password", "tls", "db"]);

/** Whether a plain-object `redis` option names a Sentinel or Cluster (not ioredis options). */
export function isTopologySource(source: object): source is TopologySource {
  return "sentinel" in source || "cluster" in source;
}

/** Validates the source; issues are reported under `redis.` and never quote a value. */
function parse(source: TopologySource): SentinelConfig | ClusterConfig {
  const unknown = Object.keys(source).filter((key) => !TOPOLOGY_FIELDS.has(key));
  try {
    if (unknown.length > 0)
      throw new ConfigError(
        unknown.map((k) => ({ path: k, message: "is not a Sentinel/Cluster option" })),
      );
    const config = parseConfig(source);
    if (config.kind === "tcp" && config.mode !== "standalone") {
      // TLS files are read (and checked) now, so their issues are reported under redis.tls too.
      if (config.tls) tlsConnectOptions(config.tls);
      return config;
    }
    throw new ConfigError([{ path: "", message: "must name a sentinel or a cluster" }]);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.issues.map((issue) => ({
        path: issue.path ? `redis.${issue.path}` : "redis",
        message: issue.message,
      })),
    );
  }
}

function dataNodeOptions(config: SentinelConfig | ClusterConfig): RedisOptions {
  return {
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    // PEM text or files, read and checked as for the TCP client.
    ...(config.tls ? { tls: tlsConnectOptions(config.tls) } : {}),
  };
}

export interface TopologyConnection {
  connection: Redis | Cluster;
  /**
   * Sentinel: follows failovers; connections made with `connection.duplicate()` are to be
   * attached to it too. Closed with the gateway.
   */
  follower?: SentinelFollower;
}

/** Opens the gateway's shared connection to a Sentinel-managed master or a Cluster. */
export function connectTopology(
  source: TopologySource,
  safe: RedisOptions,
  log?: (line: string) => void,
): TopologyConnection {
  const config = parse(source);
  if (config.mode === "cluster") {
    const connection = new Cluster(config.nodes, {
      redisOptions: { ...safe, ...dataNodeOptions(config) },
      scaleReads: config.replicaReads ? "slave" : "master",
      enableOfflineQueue: true,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 50, 500),
    });
    return { connection };
  }
  const follower = createSentinelFollower({
    sentinels: config.sentinels,
    masterName: config.masterName,
    sentinelUsername: config.sentinelUsername,
    sentinelPassword: config.sentinelPassword,
    connectTimeoutMs: safe.connectTimeout ?? 10_000,
    log: (line) => log?.(`redge gateway: ${line}`),
  });
  const connection = new Redis({
    ...safe,
    ...dataNodeOptions(config),
    ...follower.masterOptions(),
    sentinels: config.sentinels,
    name: config.masterName,
    db: config.db,
    ...(config.sentinelUsername !== undefined ? { sentinelUsername: config.sentinelUsername } : {}),
    ...(config.sentinelPassword !== undefined ? { sentinelPassword: config.sentinelPassword } : {}),
    sentinelCommandTimeout: safe.connectTimeout ?? 10_000,
    // 1, not 2 (resend after reconnecting): a READONLY inside a pipeline or MULTI would be resent
    // alone, outside its transaction. The request gets 503 (READONLY is transient), the next one
    // reaches the master the Sentinels name; the periodic health check (ROLE) catches it too.
    reconnectOnError: (error: Error) => (/^READONLY\b/.test(error.message) ? 1 : false),
  });
  follower.attach(connection, "master");
  return { connection, follower };
}
