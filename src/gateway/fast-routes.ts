/**
 * Node only: `POST /`, `/pipeline` and `/multi-exec` straight from node:http, through the same
 * handler the Hono app uses (core-routes.ts), for requests that need nothing else: no query
 * string (`?_token=` is the app's to judge), the exact path. Everything else goes to the app.
 * The body is read from the request's own stream and the answer written in one `end()`, without
 * building a web Request and Response per request (most of a small command's cost under
 * @hono/node-server's adaptor). The lifecycle counts these requests as in flight too, and
 * answers 503 once the gateway is closing, as the app's middleware does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ByteBudget } from "../web/byte-budget.js";
import { readIncomingText } from "./body.js";
import { CORE_PATHS, type CorePath, type CoreRoutes } from "./core-routes.js";
import { RETRY_AFTER_SECONDS } from "./failures.js";
import type { Lifecycle } from "./lifecycle.js";

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function fastCoreRoutes(
  core: CoreRoutes,
  lifecycle: Lifecycle,
  limits: { maxBodyBytes: number; bodyBudget: ByteBudget },
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== "POST" || !req.url || !CORE_PATHS.has(req.url)) return false;
    if (!lifecycle.enter()) {
      res.writeHead(503, {
        "content-type": "application/json",
        "retry-after": String(RETRY_AFTER_SECONDS),
        connection: "close",
      });
      res.end('{"error":"UNAVAILABLE the gateway is shutting down"}');
      return true;
    }
    const headers = req.headers;
    core({
      path: req.url as CorePath,
      authorization: header(headers.authorization),
      encoding: header(headers["upstash-encoding"]),
      format: header(headers["upstash-response-format"]),
      readBody: () =>
        readIncomingText(
          req,
          header(headers["content-length"]),
          limits.maxBodyBytes,
          limits.bodyBudget,
        ),
    })
      .then(
        (answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        },
        () => {
          // core() answers every failure itself; this is the last line of defence.
          res.writeHead(500, { "content-type": "application/json" });
          res.end('{"error":"ERR internal gateway error"}');
        },
      )
      .finally(() => lifecycle.leave());
    return true;
  };
}
