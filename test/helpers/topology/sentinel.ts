/**
 * A Sentinel-managed topology from the redis-server binary: one master, `replicas` replicas and
 * `sentinels` Sentinels (`redis-server sentinel.conf --sentinel`), all on free loopback ports.
 * `start` returns once every replica is in sync and every Sentinel knows the others, so a
 * failover can be elected right away.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { FOLLOWER_CONNECTION_NAME } from "../../../src/transport/ioredis/sentinel.js";
import { ask, info } from "./ask.js";
import {
  allSettledOrThrow,
  type ManagedRedis,
  removeTempDir,
  spawnRedis,
  tempDir,
  waitFor,
} from "./processes.js";

export interface SentinelTopologyOptions {
  replicas?: number;
  sentinels?: number;
  /** How long a master may be silent before a Sentinel calls it down. Default 1000. */
  downAfterMs?: number;
  /** Sentinel's failover-timeout. Default 3000 (small: tests fail over several times). */
  failoverTimeoutMs?: number;
  masterName?: string;
}

export interface HostPort {
  host: string;
  port: number;
}

export interface SentinelTopology {
  readonly masterName: string;
  /** Addresses of the Sentinels, for a client config. */
  readonly sentinels: HostPort[];
  /** Every data node (master and replicas), by port. */
  readonly dataNodes: Map<number, ManagedRedis>;
  readonly sentinelNodes: ManagedRedis[];
  /** The master as the Sentinels currently report it. */
  master(): Promise<HostPort>;
  /** The data node currently reported as master. */
  masterNode(): Promise<ManagedRedis>;
  /** Waits until the Sentinels report a master other than `oldPort`, and it answers as master. */
  waitForNewMaster(oldPort: number, timeoutMs?: number): Promise<HostPort>;
  /** Waits until `count` replicas are online at the current master. */
  waitForReplicas(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Subscribes to `channels` on every Sentinel and resolves once subscribed: events published
   * from then on are kept, so a test can trigger a failover and then wait for its announcement.
   */
  events(channels: string[]): Promise<SentinelEvents>;
  /**
   * Waits until every Sentinel has at least `count` subscribed redge failover followers
   * (src/transport/ioredis/sentinel.ts) among its clients.
   */
  waitForFollowers(count?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Events the Sentinels published on the channels asked for, from every Sentinel. */
export interface SentinelEvents {
  /**
   * The first event on `channel` whose message matches `match` (already received, or the next
   * one); rejects after `timeoutMs`.
   */
  next(channel: string, match?: (message: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

export async function startSentinelTopology(
  options: SentinelTopologyOptions = {},
): Promise<SentinelTopology> {
  const replicaCount = options.replicas ?? 2;
  const sentinelCount = options.sentinels ?? 3;
  const masterName = options.masterName ?? "redge-ha";
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const dir = tempDir("sentinel");
  const started: ManagedRedis[] = [];
  const dataNodes = new Map<number, ManagedRedis>();
  const sentinelNodes: ManagedRedis[] = [];

  const stop = async () => {
    await Promise.all(started.map((node) => node.stop()));
    removeTempDir(dir);
  };

  try {
    // Replicas sync over a socket without a delay: the default waits 5 s for more replicas.
    const sync = ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"];
    const master = await spawnRedis({ dir: join(dir), args: sync });
    started.push(master);
    dataNodes.set(master.port, master);
    // Each process is registered for stop() as soon as it runs, and a failed start is reported
    // only once its siblings settled, so stop() in the catch below finds every one of them.
    await allSettledOrThrow(
      Array.from({ length: replicaCount }, async () => {
        const replica = await spawnRedis({
          dir,
          args: [...sync, "--replicaof", "127.0.0.1", String(master.port)],
        });
        started.push(replica);
        dataNodes.set(replica.port, replica);
      }),
    );
    const topology: SentinelTopology = {
      masterName,
      sentinels: [],
      dataNodes,
      sentinelNodes,
      async master() {
        for (const sentinel of sentinelNodes) {
          if (!sentinel.running) continue;
          try {
            const reply = (await ask(
              sentinel.port,
              "SENTINEL",
              "GET-MASTER-ADDR-BY-NAME",
              masterName,
            )) as [string, string] | null;
            if (reply) return { host: reply[0], port: Number(reply[1]) };
          } catch {}
        }
        throw new Error("no Sentinel reported a master");
      },
      async masterNode() {
        const { port } = await topology.master();
        const node = dataNodes.get(port);
        if (!node) throw new Error(`the master's port ${port} is not one of ours`);
        return node;
      },
      waitForNewMaster(oldPort, timeoutMs = 20_000) {
        return waitFor(
          `a new master instead of port ${oldPort}`,
          async () => {
            const now = await topology.master();
            if (now.port === oldPort) return undefined;
            const role = (await ask(now.port, "ROLE")) as [string];
            return role[0] === "master" ? now : undefined;
          },
          timeoutMs,
        );
      },
      async waitForReplicas(count, timeoutMs = 20_000) {
        await waitFor(
          `${count} online replicas`,
          async () => {
            const { port } = await topology.master();
            return (await onlineReplicas(port)) >= count ? true : undefined;
          },
          timeoutMs,
        );
      },
      async waitForFollowers(count = 1, timeoutMs = 20_000) {
        await waitFor(
          `${count} subscribed failover follower(s) on every Sentinel`,
          async () => {
            for (const sentinel of sentinelNodes) {
              if (!sentinel.running) continue;
              const clients = String(await ask(sentinel.port, "CLIENT", "LIST")).split("\n");
              const subscribed = clients.filter(
                (line) =>
                  line.includes(` name=${FOLLOWER_CONNECTION_NAME} `) && !/ sub=0 /.test(line),
              );
              if (subscribed.length < count) return undefined;
            }
            return true;
          },
          timeoutMs,
        );
      },
      events: (channels) =>
        subscribeEvents(
          sentinelNodes.filter((s) => s.running).map((s) => s.port),
          channels,
        ),
      stop,
    };
    await waitFor("the replicas to sync", async () =>
      (await onlineReplicas(master.port)) >= replicaCount ? true : undefined,
    );

    const sentinelConfig = (n: number) =>
      [
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} ${quorum}`,
        `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 3_000}`,
        `sentinel parallel-syncs ${masterName} ${replicaCount}`,
        `logfile ""`,
        `# sentinel ${n}`,
        "",
      ].join("\n");
    const sentinels = await allSettledOrThrow(
      Array.from({ length: sentinelCount }, async (_, n) => {
        const file = join(dir, `sentinel-${n}.conf`);
        writeFileSync(file, sentinelConfig(n));
        const sentinel = await spawnRedis({ dir, configFile: file, sentinel: true });
        started.push(sentinel);
        return sentinel;
      }),
    );
    sentinelNodes.push(...sentinels);
    topology.sentinels.push(...sentinels.map((s) => ({ host: s.host, port: s.port })));

    // Sentinels find each other through hello messages on the master (every 2 s); a failover
    // needs a majority of them to vote, so wait until each knows all the others and the replicas.
    await waitFor("Sentinels to discover each other and the replicas", async () => {
      for (const sentinel of sentinels) {
        const peers = (await ask(sentinel.port, "SENTINEL", "SENTINELS", masterName)) as unknown[];
        const known = (await ask(sentinel.port, "SENTINEL", "REPLICAS", masterName)) as unknown[];
        if (peers.length < sentinelCount - 1 || known.length < replicaCount) return undefined;
      }
      return true;
    });
    return topology;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function onlineReplicas(masterPort: number): Promise<number> {
  const fields = await info(masterPort, "replication");
  return [...fields]
    .filter(([key]) => /^slave\d+$/.test(key))
    .filter(([, value]) => value.includes("state=online")).length;
}

async function subscribeEvents(ports: number[], channels: string[]): Promise<SentinelEvents> {
  const seen: { channel: string; message: string }[] = [];
  const waiters = new Set<() => void>();
  const clients = ports.map((port) => {
    const client = new Redis({
      host: "127.0.0.1",
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    client.on("error", () => {});
    client.on("message", (channel: string, message: string) => {
      seen.push({ channel, message });
      for (const wake of waiters) wake();
    });
    return client;
  });
  const close = () => {
    for (const client of clients) client.disconnect();
  };
  try {
    await Promise.all(
      clients.map(async (client) => {
        await client.connect();
        await client.subscribe(...channels);
      }),
    );
  } catch (error) {
    close();
    throw error;
  }
  return {
    next(channel, match = () => true, timeoutMs = 30_000) {
      const find = () => seen.find((e) => e.channel === channel && match(e.message))?.message;
      const found = find();
      if (found !== undefined) return Promise.resolve(found);
      return new Promise<string>((resolve, reject) => {
        const wake = () => {
          const message = find();
          if (message === undefined) return;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(message);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for Sentinel event ${channel}`),
          );
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    close,
  };
}
