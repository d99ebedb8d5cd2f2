/**
 * The gateway in front of Redis Sentinel or a Redis Cluster: `redis: { sentinel: {…} }` or
 * `redis: { cluster: {…} }` (plus `username`, `password`, `tls`, `db` for the data nodes), the
 * same shapes as the client config, validated by the same schema. The connection gets the
 * gateway's fail-fast settings (profile "gateway" in transport/ioredis/connect.ts), and through
 * Sentinel it follows
 * failovers as the TCP transport does (src/transport/ioredis/sentinel.ts): the moment the Sentinels
 * announce a new master, connections to the old one are dropped and reconnect to the new one;
 * a demoted master's READONLY reply makes a connection reconnect too.
 */
import type { Cluster, Redis } from "ioredis";
import { type ClusterConfig, parseConfig, type SentinelConfig } from "../config/index.js";
import type { ClusterInput, SentinelInput, TlsInput } from "../config/schema.js";
import { ConfigError } from "../core/errors.js";
import {
  type ConnectProfile,
  createConnection,
  followerFor,
  type TcpConfig,
} from "../transport/ioredis/connect.js";
import type { SentinelFollower } from "../transport/ioredis/sentinel.js";
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

/**
 * The gateway's Redis, from a URL or a Sentinel/Cluster source, as a TCP config (the client's
 * schema validates both), connected with the gateway's profile: every ioredis setting comes from
 * the one ioredis layer (transport/ioredis/connect.ts), the TCP transport's too.
 */
export function parseGatewayRedis(source: string | TopologySource): TcpConfig {
  if (typeof source !== "string") return parse(source);
  try {
    const config = parseConfig({ url: source });
    if (config.kind !== "tcp")
      throw new ConfigError([{ path: "", message: "must be a redis:// or rediss:// URL" }]);
    if (config.tls) tlsConnectOptions(config.tls);
    return config;
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

export interface GatewayConnection {
  connection: Redis | Cluster;
  /**
   * Sentinel: follows failovers; connections made with `connection.duplicate()` are to be
   * attached to it too. Closed with the gateway.
   */
  follower?: SentinelFollower | undefined;
}

/** Opens the gateway's shared connection for a parsed source. */
export function connectGatewayRedis(
  config: TcpConfig,
  profile: Extract<ConnectProfile, { kind: "gateway" }>,
  log?: (line: string) => void,
): GatewayConnection {
  const follower = followerFor(config, (line) => log?.(`redge gateway: ${line}`));
  return { connection: createConnection(config, { profile, follower }), follower };
}
