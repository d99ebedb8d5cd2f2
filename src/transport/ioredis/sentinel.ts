/**
 * Following Sentinel failovers at once, for every ioredis connection to a Sentinel-managed master
 * (the TCP transport's and the gateway's).
 *
 * ioredis alone asks the Sentinels for the master only when it (re)connects, and a master that
 * was replaced but still runs keeps its connections: in a planned failover (`SENTINEL FAILOVER`,
 * or a failover while the old master is only cut off) it keeps taking writes for seconds, until
 * the Sentinels turn it into a replica, which throws them away. So the follower:
 * - subscribes to the failover events on every Sentinel (the ones configured and the ones they
 *   know of): the leader announces the replica it promotes (`+selected-slave`,
 *   `+failover-state-*`, `+promoted-slave`) before it sends `REPLICAOF NO ONE`, and every Sentinel
 *   announces `+switch-master` once it has the new configuration;
 * - on such an event, marks the old master deposed, with the promoted replica as its successor,
 *   and drops every connection to it at once (commands in flight fail as "may have run": they are
 *   reported, never acknowledged), so nothing more is written there;
 * - on reconnection, replaces a deposed master that a Sentinel still names (the other Sentinels
 *   learn the new configuration up to a hello period later) by its successor, through ioredis'
 *   `natMap`, and refuses a connection that reached a deposed master anyway (`check`).
 * What remains is replication's own window: writes the old master acknowledged just before the
 * promotion that had not reached the promoted replica yet. Only WAIT (`durableWrites`) closes it.
 *
 * ioredis' own `failoverDetector` is not used: it listens to `+switch-master` only (the end of the
 * failover, after the replicas are reconfigured), and leaks its Sentinel subscriptions when a
 * connection closes during a failover.
 */
import { lookup } from "node:dns/promises";
import { isIP, type Socket } from "node:net";
import {
  type NatMap,
  Redis,
  type RedisOptions,
  type SentinelConnectionOptions,
  SentinelConnector,
} from "ioredis";
import type { ServerAddress } from "../../core/topology.js";

/** A deposed master stays refused this long unless an event names it master again. */
const DEPOSED_TTL_MS = 60_000;
/** The client name of the follower's Sentinel subscriptions (`CLIENT LIST` on a Sentinel). */
export const FOLLOWER_CONNECTION_NAME = "redge-sentinel-follower";
/** At most this many Sentinels are subscribed to (the configured ones come first). */
const MAX_SUBSCRIPTIONS = 10;

/** Failover events that name the replica being promoted (`slave … @ <master> <ip> <port>`). */
const PROMOTION_CHANNELS = [
  "+selected-slave",
  "+failover-state-send-slaveof-noone",
  "+failover-state-wait-promotion",
  "+promoted-slave",
];
const ABORT_CHANNELS = [
  "-failover-abort-not-elected",
  "-failover-abort-no-good-slave",
  "-failover-abort-slave-timeout",
];
const CHANNELS = [
  "+switch-master",
  ...PROMOTION_CHANNELS,
  ...ABORT_CHANNELS,
  "+convert-to-slave",
  "+role-change",
  "-role-change",
  "+sentinel",
];

/** What one Sentinel message means for the master named `masterName`. */
export type SentinelEvent =
  /** `from` is (being) replaced by `to`: stop writing to `from`. */
  | { kind: "deposed"; from: ServerAddress; to: ServerAddress; final: boolean }
  /** A failover of `master` was given up: it stays master. */
  | { kind: "aborted"; master: ServerAddress }
  /** The server at `address` is a replica now (of `master`, when known). */
  | { kind: "replica"; address: ServerAddress; master?: ServerAddress }
  /** Another Sentinel watches this master. */
  | { kind: "sentinel"; address: ServerAddress };

function address(host: string | undefined, port: string | undefined): ServerAddress | undefined {
  const n = Number(port);
  return host && Number.isInteger(n) && n > 0 ? { host, port: n } : undefined;
}

/**
 * Parses a message published by a Sentinel; `undefined` when it is about another master or not
 * one this module acts on. Formats (sentinel.c, `sentinelEvent`): `+switch-master <name> <old ip>
 * <old port> <new ip> <new port>`; an instance is `<type> <name> <ip> <port>`, followed for a
 * replica or a Sentinel by `@ <master name> <master ip> <master port>`.
 */
export function parseSentinelEvent(
  channel: string,
  message: string,
  masterName: string,
): SentinelEvent | undefined {
  const words = message.split(" ");
  if (channel === "+switch-master") {
    const [name, oldHost, oldPort, newHost, newPort] = words;
    const from = address(oldHost, oldPort);
    const to = address(newHost, newPort);
    if (name !== masterName || !from || !to) return undefined;
    return { kind: "deposed", from, to, final: true };
  }
  const [type, name, host, port, at, master, masterHost, masterPort] = words;
  const self = address(host, port);
  if (!self) return undefined;
  if (ABORT_CHANNELS.includes(channel)) {
    return type === "master" && name === masterName ? { kind: "aborted", master: self } : undefined;
  }
  // A replica's or Sentinel's event names its master after `@`; a master's names itself.
  const owner = at === "@" ? master : type === "master" ? name : undefined;
  if (owner !== masterName) return undefined;
  const ownerAddress = at === "@" ? address(masterHost, masterPort) : undefined;
  if (PROMOTION_CHANNELS.includes(channel)) {
    if (type !== "slave" || !ownerAddress) return undefined;
    return { kind: "deposed", from: ownerAddress, to: self, final: false };
  }
  if (channel === "+convert-to-slave") {
    return { kind: "replica", address: self, ...(ownerAddress ? { master: ownerAddress } : {}) };
  }
  if (channel === "+role-change" || channel === "-role-change") {
    // `… new reported role is slave`: whatever it was, it takes no writes now.
    if (words.at(-1) !== "slave") return undefined;
    return { kind: "replica", address: self };
  }
  if (channel === "+sentinel" && type === "sentinel") return { kind: "sentinel", address: self };
  return undefined;
}

export interface SentinelFollowerOptions {
  sentinels: readonly ServerAddress[];
  masterName: string;
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  connectTimeoutMs: number;
  /** Told when the follower moves off a master (one line, no secrets). */
  log?: ((line: string) => void) | undefined;
}

export interface SentinelFollower {
  /** Options for an ioredis connection to the master: successor routing and the deposed check. */
  masterOptions(): Pick<RedisOptions, "natMap" | "Connector">;
  /**
   * Watches a connection made with `masterOptions()` (role `master`), or one to a replica
   * (`replica`): it is dropped at once when its server is deposed (or, for a replica, promoted),
   * so ioredis reconnects through the Sentinels. Forgotten when the connection ends.
   */
  attach(connection: Redis, role: "master" | "replica"): void;
  /** Resolves once every configured Sentinel's subscription has been tried once. */
  readonly subscribed: Promise<void>;
  /** Closes the Sentinel subscriptions at once. */
  close(): void;
}

interface Deposition {
  successor: ServerAddress;
  until: number;
}

const key = (host: string, port: number) => `${host.replace(/^::ffff:/, "")}:${port}`;

export function createSentinelFollower(options: SentinelFollowerOptions): SentinelFollower {
  const deposed = new Map<string, Deposition>();
  /** Addresses the Sentinels announce by host name, resolved: sockets only know IPs. */
  const aliases = new Map<string, string>();
  const attached = new Map<Redis, "master" | "replica">();
  const subscribers = new Map<string, Redis>();
  /** The short-lived connection `discover` asks through, closed with the follower. */
  let asking: Redis | undefined;
  let closed = false;

  const deposition = (host: string, port: number): Deposition | undefined => {
    const own = key(host, port);
    const k = deposed.has(own) ? own : (aliases.get(own) ?? own);
    const entry = deposed.get(k);
    if (entry && entry.until < Date.now()) {
      deposed.delete(k);
      return undefined;
    }
    return entry;
  };
  const peerKey = (connection: Redis): string | undefined => {
    const stream = connection.stream as Socket | undefined;
    return stream?.remoteAddress && stream.remotePort
      ? key(stream.remoteAddress, stream.remotePort)
      : undefined;
  };
  const matches = (connection: Redis, target: ServerAddress): boolean => {
    const peer = peerKey(connection);
    if (!peer) return false;
    const k = key(target.host, target.port);
    return peer === k || aliases.get(peer) === k;
  };
  const drop = (role: "master" | "replica", target: ServerAddress, why: string) => {
    let dropped = 0;
    for (const [connection, connectionRole] of attached) {
      if (connectionRole !== role || !matches(connection, target)) continue;
      const status = connection.status;
      if (status !== "ready" && status !== "connect") continue;
      // Destroying the socket fails the commands waiting on it at once; ioredis reconnects.
      (connection.stream as Socket | undefined)?.destroy();
      dropped++;
    }
    if (dropped > 0 && role === "master") {
      options.log?.(`${why}: left ${target.host}:${target.port}`);
    }
  };
  const learnAliases = (target: ServerAddress) => {
    if (isIP(target.host)) return;
    lookup(target.host, { all: true })
      .then((found) => {
        for (const { address: ip } of found) {
          aliases.set(key(ip, target.port), key(target.host, target.port));
        }
        // Connections to it were not recognised until now.
        if (deposition(target.host, target.port)) drop("master", target, "master replaced");
      })
      .catch(() => {});
  };

  const onEvent = (channel: string, message: string) => {
    const event = parseSentinelEvent(channel, message, options.masterName);
    if (!event || closed) return;
    switch (event.kind) {
      case "deposed": {
        deposed.set(key(event.from.host, event.from.port), {
          successor: event.to,
          until: Date.now() + DEPOSED_TTL_MS,
        });
        deposed.delete(key(event.to.host, event.to.port));
        learnAliases(event.from);
        drop(
          "master",
          event.from,
          `Sentinel ${event.final ? "switched" : "is switching"} master ${options.masterName} to ${event.to.host}:${event.to.port}`,
        );
        drop("replica", event.to, "replica promoted");
        return;
      }
      case "aborted":
        deposed.delete(key(event.master.host, event.master.port));
        return;
      case "replica":
        // Writes there would get READONLY; reconnecting asks the Sentinels at once instead.
        drop("master", event.address, `${event.address.host}:${event.address.port} is a replica`);
        return;
      case "sentinel":
        subscribe(event.address);
        return;
    }
  };

  const subscribe = (sentinel: ServerAddress): Promise<void> => {
    const k = key(sentinel.host, sentinel.port);
    if (closed || subscribers.has(k) || subscribers.size >= MAX_SUBSCRIPTIONS) {
      return Promise.resolve();
    }
    const client = new Redis({
      host: sentinel.host,
      port: sentinel.port,
      ...(options.sentinelUsername !== undefined ? { username: options.sentinelUsername } : {}),
      ...(options.sentinelPassword !== undefined ? { password: options.sentinelPassword } : {}),
      // How an operator (or a test) tells these connections apart in the Sentinels' CLIENT LIST.
      connectionName: FOLLOWER_CONNECTION_NAME,
      connectTimeout: options.connectTimeoutMs,
      enableReadyCheck: false,
      // Subscribed again on every connection (below), so nothing depends on ioredis' own
      // bookkeeping of subscriptions across reconnects.
      autoResubscribe: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A Sentinel that is down is tried again, for as long as the follower lives.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    subscribers.set(k, client);
    client.on("error", () => {});
    client.on("message", onEvent);
    let first = true;
    return new Promise<void>((resolve) => {
      const settle = () => {
        if (first) {
          first = false;
          resolve();
        }
      };
      client.on("ready", () => {
        client.subscribe(...CHANNELS).then(settle, settle);
      });
      client.once("end", settle);
      // A Sentinel that cannot be reached yet does not hold up `subscribed`.
      client.once("reconnecting", settle);
    });
  };

  /** Subscribes to the Sentinels the configured ones know of too: the leader may be among them. */
  const discover = async () => {
    for (const sentinel of options.sentinels) {
      if (closed) return;
      const client = new Redis({
        host: sentinel.host,
        port: sentinel.port,
        ...(options.sentinelUsername !== undefined ? { username: options.sentinelUsername } : {}),
        ...(options.sentinelPassword !== undefined ? { password: options.sentinelPassword } : {}),
        lazyConnect: true,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        connectTimeout: options.connectTimeoutMs,
        commandTimeout: options.connectTimeoutMs,
      });
      client.on("error", () => {});
      asking = client;
      try {
        await client.connect();
        const peers = await client.call("SENTINEL", "SENTINELS", options.masterName);
        for (const peer of Array.isArray(peers) ? peers : []) {
          const fields: Record<string, string> = {};
          const flat = Array.isArray(peer) ? peer : [];
          for (let i = 0; i + 1 < flat.length; i += 2)
            fields[String(flat[i])] = String(flat[i + 1]);
          const found = address(fields.ip, fields.port);
          if (found && !/disconnected|s_down/.test(fields.flags ?? "")) void subscribe(found);
        }
        return;
      } catch {
        // The next configured Sentinel may answer.
      } finally {
        asking = undefined;
        client.disconnect();
      }
    }
  };

  const subscribed = Promise.all(options.sentinels.map(subscribe)).then(() => {});
  void discover();

  const natMap: NatMap = (resolved) => {
    const colon = resolved.lastIndexOf(":");
    const entry = deposition(resolved.slice(0, colon), Number(resolved.slice(colon + 1)));
    return entry ? entry.successor : null;
  };

  /** ioredis' Sentinel connector, refusing a connection that reached a deposed master. */
  class FollowingConnector extends SentinelConnector {
    // ioredis constructs connectors from its own options object (`Connector` option).
    constructor(connectorOptions: unknown) {
      super(connectorOptions as SentinelConnectionOptions);
    }

    override check(info: { role?: string }): boolean {
      if (!super.check(info)) return false;
      const stream = this.stream as Socket | undefined;
      if (!stream?.remoteAddress || !stream.remotePort) return true;
      return deposition(stream.remoteAddress, stream.remotePort) === undefined;
    }
  }

  return {
    masterOptions: () => ({ natMap, Connector: FollowingConnector }),
    attach(connection, role) {
      if (closed) return;
      attached.set(connection, role);
      connection.once("end", () => attached.delete(connection));
    },
    subscribed,
    close() {
      closed = true;
      attached.clear();
      asking?.disconnect();
      for (const client of subscribers.values()) {
        client.disconnect();
        // Not left half-closed for ioredis' disconnect timeout (2 s) if a Sentinel hangs.
        (client.stream as Socket | undefined)?.destroy();
      }
      subscribers.clear();
    },
  };
}
