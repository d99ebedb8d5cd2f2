/**
 * redge/node — everything in `redge` plus the Node-only pieces: the TCP transport (ioredis:
 * standalone, TLS, Sentinel, Cluster) and the Upstash-compatible gateway.
 */
import { RedgeClient } from "./client.js";
import { parseConfig } from "./config/index.js";
import { type CreateClientOptions, clientOptions } from "./create-client.js";
import { RestPort } from "./transport/rest.js";
import { TcpPort } from "./transport/tcp.js";

export { createGateway } from "./gateway/index.js";
export * from "./index.js";
export { TcpPort } from "./transport/tcp.js";

/**
 * A client for Node: TCP through ioredis for `redis://`/`rediss://` URLs, host/port, Sentinel or
 * Cluster; REST when given an https URL and a token.
 *
 * @example
 * const redis = createNodeClient({ url: "redis://127.0.0.1:6379" });
 */
export function createNodeClient(options: CreateClientOptions): RedgeClient {
  const { onRetry, ...input } = options;
  const config = parseConfig(input);
  const port =
    config.kind === "rest"
      ? new RestPort({ url: config.url, token: config.token })
      : new TcpPort(config);
  return new RedgeClient(port, clientOptions(config, onRetry));
}
