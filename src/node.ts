/**
 * redge/node — everything in `redge` plus the Node-only pieces: the TCP transport (ioredis:
 * standalone, TLS, Sentinel, Cluster) and the Upstash-compatible gateway.
 */
import { Redis as UpstashRedis } from "@upstash/redis";
import { RedgeClient } from "./client.js";
import { parseConfig } from "./config/index.js";
import { type CreateClientOptions, clientOptions } from "./create-client.js";
import { NodeHttpRequester } from "./transport/node-requester.js";
import { RestPort } from "./transport/rest.js";
import { TcpPort, type TcpPortOptions } from "./transport/tcp.js";
import { clientRequester } from "./transport/upstash-requester.js";

export { createGateway } from "./gateway/index.js";
export * from "./index.js";
export type { HealthCheckReport } from "./transport/ioredis/health.js";
export { TcpPort, type TcpPortOptions } from "./transport/tcp.js";

export type NodeClientOptions = CreateClientOptions & Pick<TcpPortOptions, "onHealthCheck">;

/**
 * A client for Node: TCP through ioredis for `redis://`/`rediss://` URLs, host/port, Sentinel or
 * Cluster; REST when given an https URL and a token (over node:http keep-alive connections, not
 * fetch: see src/transport/node-requester.ts). `onHealthCheck` hears about every periodic
 * health check of a TCP connection (config `healthCheckIntervalMs`).
 *
 * @example
 * const redis = createNodeClient({ url: "redis://127.0.0.1:6379" });
 */
export function createNodeClient(options: NodeClientOptions): RedgeClient {
  const { onRetry, onHealthCheck, ...input } = options;
  const config = parseConfig(input);
  const port =
    config.kind === "rest"
      ? new RestPort({
          url: config.url,
          token: config.token,
          // node:http keep-alive instead of fetch: a fraction of the CPU per request on Node.
          requester: new NodeHttpRequester({ url: config.url, token: config.token }),
        })
      : new TcpPort(config, { onHealthCheck });
  return new RedgeClient(port, {
    ...clientOptions(config, onRetry),
    // Over the client's own port (TCP; REST through node:http), answering as the REST API does.
    upstash: (client) => new UpstashRedis(clientRequester(client)),
  });
}
