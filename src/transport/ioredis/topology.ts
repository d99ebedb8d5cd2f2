/**
 * What the TCP transport can tell about the servers behind it (`client.topology()`, the role and
 * address in `client.health()`), read from Redis' own reports: `ROLE` for a single server,
 * the Sentinels' `GET-MASTER-ADDR-BY-NAME` / `REPLICAS` (seed: ha_redis `get_topology`), and
 * `CLUSTER NODES` for a Cluster.
 */
import { type Cluster, Redis } from "ioredis";
import type { SentinelConfig } from "../../config/index.js";
import { ConnectionError } from "../../core/errors.js";
import type { ClusterNode, ServerAddress, ServerRole, Topology } from "../../core/topology.js";

/** `ROLE`'s first element, with Redis' "slave" spelled "replica". */
export function roleOf(reply: unknown): ServerRole {
  const name = Array.isArray(reply) ? String(reply[0]) : "";
  if (name === "master") return "master";
  if (name === "slave") return "replica";
  if (name === "sentinel") return "sentinel";
  throw new ConnectionError(`Unexpected ROLE reply from Redis`, { sent: true });
}

/** The peer of a connected ioredis instance (the server that answers its commands). */
export function peerOf(connection: Redis): ServerAddress | null {
  const stream = connection.stream as { remoteAddress?: string; remotePort?: number } | undefined;
  if (stream?.remoteAddress && stream.remotePort) {
    return { host: stream.remoteAddress, port: stream.remotePort };
  }
  return null;
}

/**
 * `ROLE` of a single server → the servers it knows: a master lists its replicas; a replica names
 * its master (and itself as a replica).
 */
export function topologyFromRole(reply: unknown, self: ServerAddress | null): Topology {
  const role = roleOf(reply);
  const parts = reply as unknown[];
  if (role === "master") {
    const replicas = ((parts[2] as unknown[][] | undefined) ?? []).map((entry) => ({
      host: String(entry[0]),
      port: Number(entry[1]),
    }));
    return { kind: "standalone", master: self, replicas };
  }
  if (role === "replica") {
    const master = { host: String(parts[1]), port: Number(parts[2]) };
    return { kind: "standalone", master, replicas: self ? [self] : [] };
  }
  return { kind: "standalone", master: null, replicas: [] };
}

/** A flat `[field, value, field, value…]` reply as an object. */
function fields(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** Replicas the Sentinel considers down or disconnected are left out, as ioredis does. */
const UNHEALTHY = /(disconnected|s_down|o_down)/;

/**
 * Asks the Sentinels, in order, for the master and its healthy replicas; the first one that
 * answers wins. Short-lived connections: this is an inspection call, not a hot path.
 */
export async function sentinelTopology(config: SentinelConfig): Promise<Topology> {
  let lastError: unknown;
  for (const sentinel of config.sentinels) {
    const redis = new Redis({
      host: sentinel.host,
      port: sentinel.port,
      lazyConnect: true,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: config.connectTimeoutMs,
      commandTimeout: config.commandTimeoutMs,
      ...(config.sentinelUsername !== undefined ? { username: config.sentinelUsername } : {}),
      ...(config.sentinelPassword !== undefined ? { password: config.sentinelPassword } : {}),
    });
    redis.on("error", () => {});
    try {
      await redis.connect();
      const [master, replicas] = await Promise.all([
        redis.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", config.masterName),
        redis.call("SENTINEL", "REPLICAS", config.masterName),
      ]);
      if (!Array.isArray(master)) {
        lastError = new ConnectionError("A Sentinel does not know the master", { sent: false });
        continue;
      }
      return {
        kind: "sentinel",
        master: { host: String(master[0]), port: Number(master[1]) },
        replicas: (Array.isArray(replicas) ? replicas : [])
          .map(fields)
          .filter((replica) => !UNHEALTHY.test(replica.flags ?? ""))
          .map((replica) => ({ host: String(replica.ip), port: Number(replica.port) })),
      };
    } catch (error) {
      lastError = error;
    } finally {
      redis.disconnect();
    }
  }
  throw lastError instanceof ConnectionError
    ? lastError
    : new ConnectionError("No Sentinel answered", { sent: false, cause: lastError });
}

/** One line of `CLUSTER NODES`: `<id> <ip:port@cport[,host]> <flags> <master> … <slots…>`. */
function parseNode(line: string): ClusterNode | undefined {
  const [id, address, flags, master, , , , , ...slots] = line.trim().split(" ");
  if (!id || !address || !flags || flags.includes("noaddr") || flags.includes("handshake")) {
    return undefined;
  }
  const hostPort = address.split("@")[0] ?? "";
  const colon = hostPort.lastIndexOf(":");
  const replica = flags.includes("slave");
  return {
    id,
    host: hostPort.slice(0, colon),
    port: Number(hostPort.slice(colon + 1)),
    role: replica ? "replica" : "master",
    slots: slots
      .filter((slot) => !slot.startsWith("[")) // slots being migrated: `[slot->-id]`
      .map((slot) => {
        const [first, last] = slot.split("-");
        return [Number(first), Number(last ?? first)] as [number, number];
      }),
    ...(replica && master && master !== "-" ? { masterId: master } : {}),
    failing: /\bfail\??\b/.test(flags),
  };
}

export function clusterTopology(nodesReply: unknown): Topology {
  const nodes = String(nodesReply)
    .split("\n")
    .map(parseNode)
    .filter((node): node is ClusterNode => node !== undefined);
  return {
    kind: "cluster",
    master: null,
    replicas: nodes.filter((n) => n.role === "replica").map(({ host, port }) => ({ host, port })),
    nodes,
  };
}

/** The Cluster node a health check talks to: the first master ioredis is connected to. */
export function clusterProbeNode(cluster: Cluster): Redis | undefined {
  return cluster.nodes("master").find((node) => node.status === "ready") ?? cluster.nodes()[0];
}
