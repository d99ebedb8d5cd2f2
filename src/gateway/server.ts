/**
 * Serving a fetch handler with Node's HTTP server (through @hono/node-server), with a graceful
 * close: stop accepting, let in-flight requests finish within a bounded wait, then cut whatever
 * connections remain. The gateway drives the two steps separately (see gateway.ts).
 */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { requestTimeouts } from "../web/request-timeouts.js";

export interface ListenOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to loopback: exposing Redis to a network must be a deliberate choice. */
  host?: string;
}

export interface Listener {
  /** `http://host:port`, the URL clients use. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits (bounded) for open ones to finish. */
  close(): Promise<void>;
}

/** A listener as the gateway drives it when it shuts down. */
export interface ServerListener extends Listener {
  /**
   * Stops accepting connections at once; kept-alive connections are closed as soon as they are
   * idle (their in-flight request answered).
   */
  stopAccepting(): void;
  /**
   * Stops accepting, waits up to `graceMs` (default: the shutdown timeout) for open connections
   * to finish, then cuts the rest.
   */
  close(graceMs?: number): Promise<void>;
}

type FetchHandler = (request: Request) => Response | Promise<Response>;

function urlFor(host: string, port: number): string {
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}

export async function listen(
  fetch: FetchHandler,
  options: ListenOptions,
  settings: {
    shutdownTimeoutMs: number;
    requestTimeoutMs?: number;
    /** Serves a request without the fetch adaptor when it can; false hands it to `fetch`. */
    fast?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  },
): Promise<ServerListener> {
  const host = options.host ?? "127.0.0.1";
  // overrideGlobalObjects: false keeps the process' own Request/Response untouched, since the
  // gateway may be embedded in an application (or a test) that uses fetch itself.
  const fast = settings.fast;
  const server = createAdaptorServer({
    fetch,
    serverOptions: requestTimeouts(settings.requestTimeoutMs),
    ...(fast
      ? {
          createServer: ((serverOptions: object, listener: RequestListener) =>
            createServer(serverOptions, (req, res) => {
              if (!fast(req, res)) listener(req, res);
            })) as unknown as typeof createServer,
        }
      : {}),
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Replies are small and written in pieces; without TCP_NODELAY a piece can wait for the peer's
  // delayed ACK (tens of ms) before it leaves.
  server.on("connection", (socket) => socket.setNoDelay(true));
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  let done = false;
  let sweep: ReturnType<typeof setInterval> | undefined;
  const stopAccepting = () => {
    if (closed) return;
    closed = new Promise<void>((resolve) =>
      server.close(() => {
        done = true;
        clearInterval(sweep);
        resolve();
      }),
    );
    // A kept-alive connection would hold close() open until it times out: close each one as soon
    // as it is idle, i.e. once its in-flight request has been answered.
    server.closeIdleConnections();
    sweep = setInterval(() => server.closeIdleConnections(), 20);
  };
  let closing: Promise<void> | undefined;
  return {
    url: urlFor(host, port),
    port,
    stopAccepting,
    close(graceMs = settings.shutdownTimeoutMs) {
      closing ??= (async () => {
        stopAccepting();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          closed,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, graceMs);
          }),
        ]);
        clearTimeout(timer);
        if (!done) server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
