/**
 * The contract suite's harness: every capability's contract tests run once per transport —
 * TCP straight to redis-server, and REST through the project's own gateway — with the same
 * assertions, proving a capability works unchanged on both.
 */
import { afterAll, beforeAll, describe, inject } from "vitest";
import { configFromEnv, type RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";

/** `*-cluster`: the same, against a Redis Cluster (see `useClusterTransports`). */
export type TransportName = "tcp" | "rest" | "tcp-cluster" | "rest-cluster";

export interface ClientTweaks {
  keyPrefix?: string;
  commandTimeoutMs?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export interface TransportContext {
  readonly name: TransportName;
  /** The client's transport, whatever the server behind it (standalone or Cluster). */
  readonly transport: "tcp" | "rest";
  /** Whether a Redis Cluster is behind the client: keys of one command must share a slot. */
  readonly cluster: boolean;
  /** The suite's shared client for this transport. */
  readonly client: RedgeClient;
  /** A new, separate client (own connection) for concurrency tests; closed after the suite. */
  makeClient(options?: ClientTweaks): RedgeClient;
  /**
   * A new client built by `configFromEnv` from the variables that reach this transport's server
   * (`REDIS_URL`, the `UPSTASH_REDIS_REST_*` pair, `REDIS_CLUSTER_NODES`) plus `extra`, e.g.
   * `{ REDIS_KEY_PREFIX: "myapp:" }`; closed after the suite.
   */
  makeClientFromEnv(extra?: Record<string, string>): RedgeClient;
  /**
   * The variables that reach this transport's server (as `makeClientFromEnv` reads them), for a
   * child process of a test: secrets go through the environment, never a command line.
   */
  clientEnv(): Record<string, string>;
  /** A key name unique to this test run, so parallel files never collide on the shared server. */
  key(name: string): string;
}

const runId = Math.random().toString(36).slice(2, 8);

/**
 * A script of the test's own, unique to this run (so no server knows it yet). The REST gateways
 * run with their default policy, which runs only the scripts they know: this one is registered
 * with them (the `scripts` option), as an operator registers an application's scripts.
 */
export function contractScript(transport: TransportName): string {
  return `-- contract script ${runId} ${transport}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`;
}
const CONTRACT_SCRIPTS = (["tcp", "rest", "tcp-cluster", "rest-cluster"] as const).map(
  contractScript,
);

let transports: TransportName[] = ["tcp", "rest"];
let clusterNodes: { host: string; port: number }[] | undefined;

/**
 * Makes the contract files imported after this call run against a Redis Cluster (seed `nodes`),
 * through TCP and through the gateway, instead of the shared standalone server. Used by
 * test/ha/cluster-contract.test.ts, which starts the Cluster; the default run is unchanged.
 */
export function useClusterTransports(nodes: { host: string; port: number }[]): void {
  transports = ["tcp-cluster", "rest-cluster"];
  clusterNodes = nodes;
}

export function describeTransports(title: string, body: (t: TransportContext) => void): void {
  describe.each<TransportName>(transports)(`${title} [%s]`, (name) => {
    let gateway: RunningGateway | undefined;
    let shared: RedgeClient | undefined;
    const extra: RedgeClient[] = [];
    const redisUrl = inject("redisUrl");
    const cluster = name.endsWith("-cluster") ? { nodes: clusterNodes ?? [] } : undefined;

    const make = (options: ClientTweaks = {}) => {
      if (name === "tcp") return createNodeClient({ url: redisUrl, ...options });
      if (name === "tcp-cluster") return createNodeClient({ cluster, ...options });
      return createNodeClient({ url: gateway!.url, token: gateway!.token, ...options });
    };

    const env = (): Record<string, string> => {
      if (name === "tcp") return { REDIS_URL: redisUrl };
      if (name === "tcp-cluster") {
        return {
          REDIS_CLUSTER_NODES: (clusterNodes ?? []).map((n) => `${n.host}:${n.port}`).join(","),
        };
      }
      return { UPSTASH_REDIS_REST_URL: gateway!.url, UPSTASH_REDIS_REST_TOKEN: gateway!.token };
    };

    beforeAll(async () => {
      const scripts = CONTRACT_SCRIPTS;
      if (name === "rest") gateway = await startGateway({ redisUrl, scripts });
      if (name === "rest-cluster")
        gateway = await startGateway({ redisUrl: { cluster: cluster! }, scripts });
      shared = make();
    });
    afterAll(async () => {
      await Promise.all([shared?.close(), ...extra.map((c) => c.close())]);
      await gateway?.close();
    });

    const context: TransportContext = {
      name,
      transport: name.startsWith("tcp") ? "tcp" : "rest",
      cluster: cluster !== undefined,
      get client() {
        if (!shared) throw new Error("the transport is not ready yet (use it inside a test)");
        return shared;
      },
      makeClient(options) {
        const client = make(options);
        extra.push(client);
        return client;
      },
      makeClientFromEnv(variables = {}) {
        const client = createNodeClient(configFromEnv({ ...env(), ...variables }));
        extra.push(client);
        return client;
      },
      clientEnv: env,
      key: (key) => `test:${runId}:${name}:${key}`,
    };
    body(context);
  });
}
