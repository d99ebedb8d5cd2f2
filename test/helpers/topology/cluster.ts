/**
 * A Redis Cluster of `masters` nodes (no replicas) from the redis-server binary, without
 * redis-cli: each node gets an even share of the 16384 slots with CLUSTER ADDSLOTSRANGE, the
 * first node MEETs the others, and `start` returns once every node reports cluster_state:ok.
 */
import { freePort } from "../free-port.js";
import { ask } from "./ask.js";
import {
  allSettledOrThrow,
  type ManagedRedis,
  removeTempDir,
  spawnRedis,
  tempDir,
  waitFor,
} from "./processes.js";

const SLOTS = 16_384;

export interface ClusterTopology {
  readonly nodes: ManagedRedis[];
  /** Seed addresses for a client config. */
  readonly seeds: { host: string; port: number }[];
  stop(): Promise<void>;
}

export async function startCluster(options: { masters?: number } = {}): Promise<ClusterTopology> {
  const count = options.masters ?? 3;
  const dir = tempDir("cluster");
  const nodes: ManagedRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    removeTempDir(dir);
  };
  try {
    // The cluster bus defaults to data port + 10000, which may be taken, and Redis refuses a data
    // port above 55535 for it: each node gets its own free bus port (`cluster-port`, Redis 7).
    const taken = new Set<number>();
    const distinctFreePort = async () => {
      for (;;) {
        const port = await freePort();
        if (!taken.has(port)) {
          taken.add(port);
          return port;
        }
      }
    };
    const busPorts = new Map<number, number>();
    for (let i = 0; i < count; i++)
      busPorts.set(await distinctFreePort(), await distinctFreePort());
    // Each node is registered for stop() as soon as it runs (see allSettledOrThrow).
    await allSettledOrThrow(
      [...busPorts].map(async ([port, busPort]) => {
        const node = await spawnRedis({
          dir,
          port,
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-port",
            String(busPort),
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--cluster-node-timeout",
            "2000",
          ],
        });
        nodes.push(node);
      }),
    );

    await Promise.all(
      // Each node gets its share before MEET, so the cluster is whole as soon as they know each other.
      nodes.map((node, i) => {
        const first = Math.floor((SLOTS * i) / count);
        const last = Math.floor((SLOTS * (i + 1)) / count) - 1;
        return ask(node.port, "CLUSTER", "ADDSLOTSRANGE", first, last);
      }),
    );
    for (const node of nodes.slice(1)) {
      // The bus port must be named: MEET assumes data port + 10000 otherwise.
      const busPort = busPorts.get(node.port)!;
      await ask(nodes[0]!.port, "CLUSTER", "MEET", "127.0.0.1", node.port, busPort);
    }
    await waitFor(
      "cluster_state:ok on every node",
      async () => {
        for (const node of nodes) {
          const cluster = String(await ask(node.port, "CLUSTER", "INFO"));
          if (!cluster.includes("cluster_state:ok")) return undefined;
          if (!cluster.includes(`cluster_known_nodes:${count}`)) return undefined;
        }
        return true;
      },
      30_000,
    );
    return { nodes, seeds: nodes.map((n) => ({ host: n.host, port: n.port })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
