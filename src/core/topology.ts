/**
 * What a client can tell about the servers behind it: `client.topology()` and the role/address
 * fields of `client.health()`. Types only, edge-safe.
 */

export interface ServerAddress {
  host: string;
  port: number;
}

/** The role a server reports for itself (`ROLE`), with Redis' "slave" spelled "replica". */
export type ServerRole = "master" | "replica" | "sentinel";

/** One node of a Cluster, as `CLUSTER NODES` lists it. */
export interface ClusterNode extends ServerAddress {
  id: string;
  role: "master" | "replica";
  /** Slot ranges `[first, last]` a master serves; empty for replicas. */
  slots: [number, number][];
  /** The node's master, for a replica. */
  masterId?: string;
  /** Whether the node is flagged as failing (`fail` or `fail?`). */
  failing: boolean;
}

/**
 * The servers behind a TCP client, as seen right now:
 * - `standalone`: the one server (its `ROLE`), and its replicas if it is a master that has some;
 * - `sentinel`: the master the Sentinels report, and the replicas they consider healthy;
 * - `cluster`: `master` is null (every master serves a share of the slots); see `nodes`.
 */
export interface Topology {
  kind: "standalone" | "sentinel" | "cluster";
  master: ServerAddress | null;
  replicas: ServerAddress[];
  /** Cluster only: every node with its role and slots. */
  nodes?: ClusterNode[];
}

/** The server that answered a health check. */
export interface ServerIdentity {
  role: ServerRole;
  address: ServerAddress | null;
}
