/**
 * `createClient`: the edge-safe way to get a client, over the Upstash REST protocol.
 */

import type { ClientOptions } from "./client.js";
import { RedgeClient } from "./client.js";
import { parseConfig, type RedgeConfig, type RedgeConfigInput } from "./config/index.js";
import { ConfigError } from "./errors.js";
import { RestPort } from "./transport/rest.js";

export type CreateClientOptions = RedgeConfigInput & Pick<ClientOptions, "onRetry">;

/** The client options every transport shares, taken from a parsed config. */
export function clientOptions(
  config: RedgeConfig,
  onRetry?: ClientOptions["onRetry"],
): ClientOptions {
  return {
    keyPrefix: config.keyPrefix,
    commandTimeoutMs: config.commandTimeoutMs,
    retry: config.retry,
    ...(config.durableWrites ? { durableWrites: config.durableWrites } : {}),
    ...(onRetry ? { onRetry } : {}),
  };
}

/**
 * A client over the Upstash REST protocol (Upstash, or the redge gateway in front of any Redis).
 *
 * @example
 * const redis = createClient({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });
 * await redis.command(["SET", "greeting", "hello"]);
 */
export function createClient(options: CreateClientOptions): RedgeClient {
  const { onRetry, ...input } = options;
  const config = parseConfig(input);
  if (config.kind !== "rest") {
    throw new ConfigError([
      {
        path: "url",
        message:
          "createClient() speaks REST (an https:// URL and a token); for redis:// and TCP use createNodeClient() from redge/node",
      },
    ]);
  }
  return new RedgeClient(
    new RestPort({ url: config.url, token: config.token }),
    clientOptions(config, onRetry),
  );
}
