/**
 * Starts the gateway in-process on a free loopback port, in front of the given Redis, for tests
 * that drive the REST transport (or the official @upstash/redis client) through it.
 */
import { randomUUID } from "node:crypto";
import { createGateway, type Gateway, type RedisSource } from "../../src/gateway/index.js";

export interface StartGatewayOptions {
  /** A redis:// URL, or any other source the gateway takes (`{ sentinel }`, `{ cluster }`). */
  redisUrl: RedisSource;
  /** Read-write tokens; default: one random token. */
  tokens?: string[];
  readOnlyTokens?: string[];
  /** Commands denied by default to allow ("FLUSHDB", "SCRIPT FLUSH"). */
  allow?: string[];
  /** Arbitrary scripts; the Redis user must be barred from denied commands (test/helpers/acl.ts). */
  allowScripts?: boolean;
  scriptTimeoutMs?: number;
  /** Lua sources the gateway runs without allowScripts. */
  scripts?: string[];
  log?: (line: string) => void;
  /** Lower it to test timeouts; default the gateway's 10 s. */
  commandTimeoutMs?: number;
  maxBodyBytes?: number;
  /** The gateway's periodic Redis health check; default the gateway's 5 s. */
  healthCheckIntervalMs?: number;
  /** `?_token=` accepted; default off, as in the gateway. */
  allowQueryToken?: boolean;
  sseClientBufferBytes?: number;
  sseBufferedBytes?: number;
  sseKeepAliveMs?: number;
  shutdownTimeoutMs?: number;
}

export interface RunningGateway {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The first read-write token. */
  readonly token: string;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const tokens = options.tokens ?? [`test-${randomUUID()}`];
  const gateway = createGateway({
    redis: options.redisUrl,
    tokens,
    readOnlyTokens: options.readOnlyTokens ?? [],
    allow: options.allow ?? [],
    ...(options.allowScripts === undefined ? {} : { allowScripts: options.allowScripts }),
    ...(options.scriptTimeoutMs === undefined ? {} : { scriptTimeoutMs: options.scriptTimeoutMs }),
    ...(options.scripts === undefined ? {} : { scripts: options.scripts }),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.commandTimeoutMs === undefined
      ? {}
      : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    ...(options.healthCheckIntervalMs === undefined
      ? {}
      : { healthCheckIntervalMs: options.healthCheckIntervalMs }),
    ...(options.allowQueryToken === undefined ? {} : { allowQueryToken: options.allowQueryToken }),
    ...(options.sseClientBufferBytes === undefined
      ? {}
      : { sseClientBufferBytes: options.sseClientBufferBytes }),
    ...(options.sseBufferedBytes === undefined
      ? {}
      : { sseBufferedBytes: options.sseBufferedBytes }),
    ...(options.sseKeepAliveMs === undefined ? {} : { sseKeepAliveMs: options.sseKeepAliveMs }),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 2_000,
  });
  try {
    const listener = await gateway.listen({ host: "127.0.0.1", port: 0 });
    return { url: listener.url, token: tokens[0]!, gateway, close: () => gateway.close() };
  } catch (error) {
    await gateway.close();
    throw error;
  }
}
