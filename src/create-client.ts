/**
 * `createClient`: the edge-safe way to get a client, over the Upstash REST protocol.
 */

import { RedgeClient } from "./client.js";
import { parseConfig, type RedgeConfig, type RedgeConfigInput } from "./config/index.js";
import type { ClientOptions } from "./core/client.js";
import { ConfigError } from "./core/errors.js";
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
  rejectTlsFiles(input);
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
  const port = new RestPort({ url: config.url, token: config.token });
  const upstash = port.upstash;
  return new RedgeClient(port, {
    ...clientOptions(config, onRetry),
    // The port's own @upstash/redis client: one HTTP layer, one read-your-writes token.
    ...(upstash ? { upstash: () => upstash } : {}),
  });
}

/**
 * TLS files (`caFile`, `certFile`, `keyFile`) are read from disk, which only Node can do: say so
 * here, on the edge entry, rather than with a generic "not REST" error.
 */
function rejectTlsFiles(input: Record<string, unknown>): void {
  const tls = input.tls;
  if (typeof tls !== "object" || tls === null) return;
  const fields = (["caFile", "certFile", "keyFile"] as const).filter(
    (field) => (tls as Record<string, unknown>)[field] !== undefined,
  );
  if (fields.length === 0) return;
  throw new ConfigError(
    fields.map((field) => ({
      path: `tls.${field}`,
      message: `is a file path, which only Node can read: use createNodeClient() from redge/node, or give the PEM text as tls.${field.slice(0, -4)}`,
    })),
  );
}
