/**
 * Node entry: the app on @hono/node-server over the TCP transport (ioredis), the "fall back to
 * TCP in Node" path: standalone, TLS, Sentinel or Cluster, whatever `createNodeClient` accepts.
 * `redge serve` is the command-line face of `startServer`.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { RedgeClient } from "../../../src/client.js";
import type { CreateClientOptions } from "../../../src/create-client.js";
import { createNodeClient } from "../../../src/node.js";
import { requestTimeouts } from "../../../src/web/request-timeouts.js";
import { loadDocsAssets } from "../../app/docs-assets-node.js";
import { type AppOptions, createApp } from "../../app/index.js";

export { loadDocsAssets };

export interface StartServerOptions {
  /** A `redis://`/`rediss://` URL, or any `createNodeClient` options (Sentinel, Cluster, REST). */
  redis: string | CreateClientOptions;
  /** Default 8080; 0 picks a free port (read it back from `url`). */
  port?: number;
  /** Default 127.0.0.1: reachable from this machine only until you say otherwise. */
  host?: string;
  /** Read-write bearer tokens; at least one. */
  tokens: string[];
  readOnlyTokens?: string[];
  maxBodyBytes?: number;
  /** Request-body bytes held at once over all requests (default 64 MiB); beyond, 503. */
  maxBufferedBytes?: number;
  cors?: AppOptions["cors"];
  /** Told about every 500/503 (the response itself says only that something failed). */
  onError?: (error: unknown) => void;
  /**
   * How long `close()` lets in-flight requests finish (default 10 s); then Redis is closed (at
   * most 1 s: requests still waiting on it get 503) and the remaining connections are cut.
   */
  shutdownTimeoutMs?: number;
  /** A client must send a whole request within this, or its connection is closed (default 30 s). */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly client: RedgeClient;
  /**
   * Stops accepting, lets in-flight requests finish (up to `shutdownTimeoutMs`), closes Redis.
   * Resolves within `shutdownTimeoutMs` + 1.5 s whatever Redis does. Idempotent.
   */
  close(): Promise<void>;
}

export const DEFAULT_SERVE_PORT = 8080;
export const DEFAULT_SERVE_HOST = "127.0.0.1";
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** After the in-flight requests had their time: how long Redis gets to answer QUIT. */
const REDIS_CLOSE_MS = 1_000;
/** How long the last answers (503s of requests Redis never answered) get before connections are cut. */
const LAST_ANSWERS_MS = 500;

/** Resolves with `promise`'s outcome, or with `false` after `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const client = createNodeClient(
    typeof options.redis === "string" ? { url: options.redis } : options.redis,
  );
  let app: ReturnType<typeof createApp>;
  try {
    // /docs without a network: Swagger UI's files come from the swagger-ui-dist dependency.
    const docsAssets = await loadDocsAssets();
    app = createApp({
      client,
      tokens: options.tokens,
      readOnlyTokens: options.readOnlyTokens ?? [],
      ...(options.cors === undefined ? {} : { cors: options.cors }),
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
      ...(options.maxBufferedBytes === undefined
        ? {}
        : { maxBufferedBytes: options.maxBufferedBytes }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
      ...(docsAssets === undefined ? {} : { docsAssets }),
    });
  } catch (error) {
    await client.close();
    throw error;
  }

  const host = options.host ?? DEFAULT_SERVE_HOST;
  // Node's http server, not http2: what proxies and load balancers in front of it speak.
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: host,
    serverOptions: requestTimeouts(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
  }) as Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? DEFAULT_SERVE_PORT, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await client.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    client,
    close() {
      closing ??= (async () => {
        // Keep-alive connections hold close() open: drop each one as soon as it is idle, that
        // is, as soon as its in-flight request (if any) has been answered.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const drained = await within(
          closed,
          options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
        );
        // Requests still waiting on Redis (hung) fail with the client's close, answering 503.
        await client.close({ timeoutMs: Math.min(REDIS_CLOSE_MS, client.commandTimeoutMs) });
        if (!drained && !(await within(closed, LAST_ANSWERS_MS))) server.closeAllConnections();
        await closed;
        clearInterval(sweep);
      })();
      return closing;
    },
  };
}
