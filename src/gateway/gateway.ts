/**
 * `createGateway(options)`: an Upstash-REST-compatible HTTP front for a Redis server. Use its
 * `fetch` (any web-standard host, tests) or `listen()` (Node's HTTP server); `close()` shuts
 * everything down gracefully.
 */

import { createByteBudget } from "../web/byte-budget.js";
import { createGatewayApp, type GatewayApp } from "./app.js";
import { createAuthenticator } from "./auth.js";
import { knownScriptShas, readOnlyScriptShas } from "./known-scripts.js";
import { createLifecycle } from "./lifecycle.js";
import { type GatewayOptions, parseGatewayOptions } from "./options.js";
import { allowSet } from "./policy.js";
import { createPolicyLoader } from "./policy-loader.js";
import { createSseClients } from "./pubsub/clients.js";
import { createPubSubHub, type SubscriberConnection } from "./pubsub/hub.js";
import { createRedisBackend } from "./redis.js";
import { type Listener, type ListenOptions, listen, type ServerListener } from "./server.js";

/**
 * After the in-flight requests had their time, how long the Redis connections get to close
 * (QUIT); a hung Redis is cut off then, which fails the requests still waiting on it (503).
 */
const REDIS_CLOSE_MS = 1_000;
/** How long those last 503s get to be written before the remaining connections are cut. */
const LAST_ANSWERS_MS = 500;
/** At most one log line per this long about dropped slow SSE subscribers. */
const DROP_LOG_INTERVAL_MS = 10_000;

export interface Gateway {
  /** The Hono app, to mount under another app or to serve with another adapter. */
  readonly app: GatewayApp;
  /** The web-standard handler: `Request` in, `Response` out. */
  readonly fetch: (request: Request) => Promise<Response>;
  /**
   * Resolves once the gateway has read Redis' command table and passed its start-up checks (it
   * tries on the first request, or when this is called, and again while Redis is down). Rejects
   * with a `GatewayRefusal` (a ConfigError) when a check fails, e.g. `allowScripts` with a Redis
   * user that may run denied commands; the gateway then answers every request with 503.
   */
  ready(): Promise<void>;
  /** Serves the gateway over HTTP; several listeners may share one gateway. */
  listen(options?: ListenOptions): Promise<Listener>;
  /**
   * Stops accepting (listeners stop at once; requests on kept-alive connections get 503), lets
   * in-flight requests finish (up to `shutdownTimeoutMs`), then closes the Redis connections the
   * gateway opened (never a caller-supplied instance; at most 1 s, a hung Redis is cut off, and
   * requests still waiting on it get 503) and the listeners. Resolves within `shutdownTimeoutMs`
   * + 1.5 s whatever Redis does.
   */
  close(): Promise<void>;
}

/** Creates a gateway; throws `ConfigError` listing every bad option (never a token's value). */
export function createGateway(input: GatewayOptions): Gateway {
  const options = parseGatewayOptions(input);
  const lifecycle = createLifecycle();
  const backend = createRedisBackend(options.redis, {
    commandTimeoutMs: options.commandTimeoutMs,
    healthCheckIntervalMs: options.healthCheckIntervalMs,
    transactionConnections: options.transactionConnections,
    scriptTimeoutMs: options.scriptTimeoutMs,
    readyCheck: !options.allowScripts,
    log: options.log,
  });
  const allow = allowSet(options.allow);
  const policy = createPolicyLoader({
    run: backend.call,
    masters: backend.masters,
    allow,
    allowScripts: options.allowScripts,
    log: options.log,
  });
  let lastDropLog = 0;
  let unlogged = 0;
  const clients = createSseClients({
    clientBufferBytes: options.sseClientBufferBytes,
    bufferedBytes: options.sseBufferedBytes,
    keepAliveMs: options.sseKeepAliveMs,
    onDrop: () => {
      unlogged++;
      const now = Date.now();
      if (now - lastDropLog < DROP_LOG_INTERVAL_MS) return;
      options.log?.(
        `redge gateway: dropped ${unlogged} SSE subscriber${unlogged === 1 ? "" : "s"} that read too slowly`,
      );
      lastDropLog = now;
      unlogged = 0;
    },
  });
  const hub = createPubSubHub(
    () => backend.subscriber() as unknown as SubscriberConnection,
    options.log,
  );
  const app = createGatewayApp({
    backend,
    authenticate: createAuthenticator(options.tokens, options.readOnlyTokens),
    policy,
    settings: {
      allow,
      allowScripts: options.allowScripts,
      knownScripts: knownScriptShas(options.scripts),
      readOnlyScripts: readOnlyScriptShas(),
    },
    maxBodyBytes: options.maxBodyBytes,
    bodyBudget: createByteBudget(options.maxBufferedBytes),
    lifecycle,
    pubsub: { hub, clients },
    allowQueryToken: options.allowQueryToken,
    log: options.log,
  });
  // `env` carries @hono/node-server's { incoming, outgoing }: the body is read from Node's own
  // stream (see body.ts), much cheaper than through a web Request.
  const fetch = async (request: Request, env?: unknown) => app.fetch(request, env);
  const listeners = new Set<ServerListener>();
  let closing: Promise<void> | undefined;

  /** Tries to read the table until it is read or refused; every attempt that fails waits 1 s. */
  let readying: Promise<void> | undefined;
  const ready = () => {
    readying ??= (async () => {
      while (!closing) {
        try {
          await policy.load();
          return;
        } catch (error) {
          if (error instanceof Error && error.name === "GatewayRefusal") throw error;
          await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
        }
      }
    })();
    return readying;
  };

  return {
    app,
    fetch,
    ready,
    async listen(listenOptions = {}) {
      if (closing) throw new Error("the gateway is closed");
      const listener = await listen(fetch, listenOptions, {
        shutdownTimeoutMs: options.shutdownTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
      });
      listeners.add(listener);
      return {
        url: listener.url,
        port: listener.port,
        close: async () => {
          listeners.delete(listener);
          await listener.close();
        },
      };
    },
    close() {
      closing ??= (async () => {
        for (const listener of listeners) listener.stopAccepting();
        // Event streams never finish by themselves: end them now, so their connections close.
        clients.endAll();
        await lifecycle.drain(options.shutdownTimeoutMs);
        await backend.close(Math.min(options.shutdownTimeoutMs, REDIS_CLOSE_MS));
        await Promise.all([...listeners].map((l) => l.close(LAST_ANSWERS_MS)));
        listeners.clear();
      })();
      return closing;
    },
  };
}
