/**
 * The gateway as a Hono app speaking the Upstash REST protocol, as Upstash documents it and the
 * official `@upstash/redis` client uses it:
 * - `POST /`            one command, `["SET","k","v"]`       → `{"result": ...}`
 * - `POST /pipeline`    commands, one round trip              → `[{"result"}|{"error"}, ...]`
 * - `POST /multi-exec`  commands, atomically (MULTI/EXEC)     → same shape
 * - `POST /subscribe/<channel>…`, `/psubscribe/<pattern>…` with `Accept: text/event-stream`:
 *   pub/sub as Server-Sent Events (pubsub/)
 * - any other path: a path-style command, `GET /get/foo`, `POST /set/foo` with the value as the
 *   body (path-command.ts); HEAD for read-only ones
 * with `Authorization: Bearer <token>` (or `?_token=` when the operator allows it) and,
 * optionally, `Upstash-Encoding: base64` and `Upstash-Response-Format: json | resp2`.
 * Authenticated responses carry an `upstash-sync-token` header.
 *
 * Order of checks: route (405), token (401), response format (400), body size (413) and encoding
 * (400), JSON shape (400), Redis' command table read (503 until Redis was reached once), policy
 * (400 denied or unsupported / 403 read-only or unknown script) for every command before any
 * runs, then Redis. Path-style commands pass the very same policy.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { redact } from "../core/redact.js";
import type { ByteBudget } from "../web/byte-budget.js";
import type { Access, Authenticator } from "./auth.js";
import { BODY_REFUSALS, readBody, readBodyBytes } from "./body.js";
import type { CommandTable } from "./command-table.js";
import { type CoreRoutes, createCoreRoutes } from "./core-routes.js";
import { encodeResult, wantsBase64 } from "./encoding.js";
import { failureOf, RETRY_AFTER_SECONDS } from "./failures.js";
import type { Lifecycle } from "./lifecycle.js";
import { pathCommand, pathSegments, TOKEN_PARAMETER } from "./path-command.js";
import { checkCommand, type PolicySettings, type Verdict } from "./policy.js";
import type { PolicyLoader } from "./policy-loader.js";
import type { SseClients } from "./pubsub/clients.js";
import type { PubSubHub } from "./pubsub/hub.js";
import { SSE_ROUTES, subscribe, wantsEventStream } from "./pubsub/subscribe.js";
import type { RedisBackend } from "./redis.js";
import { encodeResp2 } from "./resp2.js";
import { type ResponseFormat, responseFormat } from "./response-format.js";

export interface GatewayAppOptions {
  backend: RedisBackend;
  authenticate: Authenticator;
  /** The command table, read from Redis (see policy-loader.ts). */
  policy: PolicyLoader;
  /** `allow`, `allowScripts` and the known scripts (see policy.ts). */
  settings: PolicySettings;
  maxBodyBytes: number;
  /** Shared by every request's body (see web/byte-budget.ts). */
  bodyBudget: ByteBudget;
  lifecycle: Lifecycle;
  /** Pub/sub over SSE: the fan-out over one subscriber connection, and the streams' memory. */
  pubsub: { hub: PubSubHub; clients: SseClients };
  /**
   * Accept the token as `?_token=` (Upstash's alternative to the header). Off by default: URLs end
   * up in access logs, proxies' logs and browser histories.
   */
  allowQueryToken: boolean;
  log?: ((line: string) => void) | undefined;
}

type Env = { Variables: { access: Access } };
type GatewayContext = Context<Env>;

export type GatewayApp = Hono<Env>;

const ROUTES = ["/", "/pipeline", "/multi-exec"] as const;
const PATH_METHODS = "HEAD, GET, POST, PUT";

function errorReply(
  c: GatewayContext,
  status: ContentfulStatusCode,
  message: string,
  retryAfter?: number,
) {
  if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
  return c.json({ error: message }, status);
}

function failureReply(c: GatewayContext, error: unknown, log?: (line: string) => void) {
  const failure = failureOf(error);
  if (failure.status === 500) {
    log?.(`redge gateway: unexpected error: ${redact(String(error))}`);
  }
  return errorReply(c, failure.status, failure.message, failure.retryAfter);
}

function rejectionReply(c: GatewayContext, rejection: Verdict & { ok: false }) {
  return errorReply(c, rejection.status, rejection.message);
}

function resp2Reply(c: GatewayContext, bytes: Buffer) {
  // Buffer.concat always allocates a plain ArrayBuffer.
  const view = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  return c.body(view, 200, {
    "content-type": "application/octet-stream",
  });
}

/** `?_token=` of a URL, looked for only when the URL has a query. */
function queryToken(url: string): string | null {
  const query = url.indexOf("?");
  if (query === -1) return null;
  return new URLSearchParams(url.slice(query + 1)).get(TOKEN_PARAMETER);
}

export function createGatewayApp(options: GatewayAppOptions): {
  app: GatewayApp;
  core: CoreRoutes;
} {
  const { backend, authenticate, policy, settings, lifecycle, log } = options;
  const app = new Hono<Env>();

  app.use("*", lifecycle.middleware);

  // A counter is enough: there is one Redis behind the gateway and every request is answered only
  // after Redis has, so a later request always observes an earlier one's writes. The client just
  // echoes the value back. Only authenticated callers see it: it tells how busy the gateway is.
  let syncToken = 0;
  const nextSyncToken = () => ++syncToken;
  /** The Authorization to check: the header, or `?_token=` when the operator allows it. */
  const authorizationOf = (
    c: GatewayContext,
  ): { ok: true; authorization: string | undefined } | { ok: false; response: Response } => {
    const authorization = c.req.header("authorization");
    const fromQuery = queryToken(c.req.url);
    if (fromQuery === null) return { ok: true, authorization };
    if (!options.allowQueryToken) {
      c.header("WWW-Authenticate", 'Bearer realm="redge"');
      return {
        ok: false,
        response: errorReply(
          c,
          401,
          "Unauthorized: this gateway does not take tokens in the URL (_token), which end up in logs; send Authorization: Bearer <token>",
        ),
      };
    }
    return { ok: true, authorization: authorization ?? `Bearer ${fromQuery}` };
  };
  const authenticated = async (c: GatewayContext, next: () => Promise<void>) => {
    const resolved = authorizationOf(c);
    if (!resolved.ok) return resolved.response;
    const access = await authenticate(resolved.authorization);
    if (!access) {
      c.header("WWW-Authenticate", 'Bearer realm="redge"');
      return errorReply(c, 401, "Unauthorized");
    }
    c.set("access", access);
    // Set before the handler builds its response: touching `c.res.headers` afterwards would turn
    // @hono/node-server's lightweight Response into a full one on every request.
    c.header("upstash-sync-token", String(nextSyncToken()));
    await next();
  };

  const readOnly = (c: GatewayContext) => c.get("access") === "read-only";
  const base64For = (c: GatewayContext) => wantsBase64(c.req.header("upstash-encoding"));
  const formatFor = (c: GatewayContext) =>
    responseFormat(c.req.header("upstash-response-format"), base64For(c));
  // Read once; until Redis has been reached, requests wait for it (503 while it is down).
  const tableFor = async (): Promise<CommandTable> => policy.current() ?? policy.load();

  const replyWith = (c: GatewayContext, format: ResponseFormat, reply: unknown) =>
    format === "resp2"
      ? resp2Reply(c, encodeResp2(reply))
      : c.json({ result: encodeResult(reply, base64For(c)) });

  // `/`, `/pipeline` and `/multi-exec` (see core-routes.ts; the Node server calls the same
  // handler without Hono for requests that need nothing else).
  const core = createCoreRoutes({ ...options, nextSyncToken });
  for (const path of ROUTES) {
    app.post(path, async (c) => {
      const resolved = authorizationOf(c);
      if (!resolved.ok) return resolved.response;
      const answer = await core({
        path,
        authorization: resolved.authorization,
        encoding: c.req.header("upstash-encoding"),
        format: c.req.header("upstash-response-format"),
        readBody: () => readBody(c, options.maxBodyBytes, options.bodyBudget),
      });
      return c.body(answer.body as string, answer.status as ContentfulStatusCode, answer.headers);
    });
  }

  for (const path of ROUTES) {
    app.all(path, (c) => {
      c.header("Allow", "POST");
      return errorReply(c, 405, `ERR method ${c.req.method} not allowed on ${path}; use POST`);
    });
  }

  /** Pub/sub over SSE; undefined when the request is no subscription (then: a command). */
  const eventStream = async (c: GatewayContext, segments: string[]) => {
    const kind = SSE_ROUTES[segments[0]!.toLowerCase()];
    if (!kind || c.req.method === "PUT" || !wantsEventStream(c.req.header("accept"))) {
      return undefined;
    }
    try {
      // As every request: nothing is served while the start-up checks refuse to.
      await tableFor();
      const outcome = await subscribe(kind, segments.slice(1), options.pubsub);
      if (outcome.ok) return c.body(outcome.stream, 200, outcome.headers);
      if ("status" in outcome) {
        if (outcome.status === 503) c.header("Retry-After", String(RETRY_AFTER_SECONDS));
        return errorReply(c, outcome.status, outcome.message);
      }
      return failureReply(c, outcome.error, log);
    } catch (error) {
      return failureReply(c, error, log);
    }
  };

  // Path-style commands (and the SSE routes). HEAD is routed here as GET (Hono answers it
  // without a body) and runs read-only commands only: a HEAD must not change anything.
  app.on(["GET", "POST", "PUT"], "*", authenticated, async (c) => {
    const head = c.req.method === "HEAD";
    const url = new URL(c.req.url);
    const segments = pathSegments(url.pathname);
    if (!segments.ok) return errorReply(c, 400, segments.message);
    if (!head) {
      const stream = await eventStream(c, segments.value);
      if (stream) return stream;
    }
    const format = formatFor(c);
    if (!format.ok) return errorReply(c, 400, format.message);
    let body: Buffer | undefined;
    if (c.req.method === "POST" || c.req.method === "PUT") {
      const read = await readBodyBytes(c, options.maxBodyBytes, options.bodyBudget);
      if (!read.ok) {
        c.header("Connection", "close");
        if (read.reason === "busy") c.header("Retry-After", String(RETRY_AFTER_SECONDS));
        const refusal = BODY_REFUSALS[read.reason](options.maxBodyBytes);
        return errorReply(c, refusal.status, refusal.message);
      }
      body = read.bytes;
    }
    const command = pathCommand(url.pathname, url.searchParams, body);
    if (!command.ok) return errorReply(c, 400, command.message);
    try {
      const table = await tableFor();
      const verdict = checkCommand(table, command.value.view, settings, readOnly(c) || head);
      if (!verdict.ok) {
        if (head && !readOnly(c) && checkCommand(table, command.value.view, settings, false).ok) {
          c.header("Allow", "GET, POST, PUT");
          return errorReply(
            c,
            405,
            "ERR HEAD runs read-only commands only; send this one with GET, POST or PUT",
          );
        }
        return rejectionReply(c, verdict);
      }
      const reply = await backend.command(command.value.args, { kill: verdict.kill });
      return replyWith(c, format.format, reply);
    } catch (error) {
      return failureReply(c, error, log);
    }
  });

  app.all("*", (c) => {
    c.header("Allow", PATH_METHODS);
    return errorReply(
      c,
      405,
      `ERR method ${c.req.method} not allowed; commands take ${PATH_METHODS}`,
    );
  });

  app.notFound((c) => errorReply(c, 404, "ERR not found"));

  // Last line of defence: whatever went wrong, the reply holds a fixed text, never a stack.
  app.onError((error, c) => failureReply(c, error, log));

  return { app, core };
}
