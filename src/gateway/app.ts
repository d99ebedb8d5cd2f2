/**
 * The gateway as a Hono app speaking the Upstash REST protocol, as the official `@upstash/redis`
 * client uses it:
 * - `POST /`            one command, `["SET","k","v"]`       → `{"result": ...}`
 * - `POST /pipeline`    commands, one round trip              → `[{"result"}|{"error"}, ...]`
 * - `POST /multi-exec`  commands, atomically (MULTI/EXEC)     → same shape
 * with `Authorization: Bearer <token>` and, optionally, `Upstash-Encoding: base64`.
 * Every response carries an `upstash-sync-token` header.
 *
 * Order of checks: route (404/405), token (401), body size (413), JSON shape (400), policy
 * (400 denied / 403 read-only) for every command before any runs, then Redis.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { redact } from "../security/redact.js";
import type { Access, Authenticator } from "./auth.js";
import { readBody } from "./body.js";
import { checkCommand, checkCommands, type Rejection } from "./commands.js";
import { encodeReply, wantsBase64 } from "./encoding.js";
import { failureOf } from "./failures.js";
import type { Lifecycle } from "./lifecycle.js";
import type { Outcome, RedisBackend } from "./redis.js";
import { parseCommand, parseCommandList, parseJson } from "./request.js";

export interface GatewayAppOptions {
  backend: RedisBackend;
  authenticate: Authenticator;
  /** Normalised `allow` entries (see commands.ts `allowSet`). */
  allow: ReadonlySet<string>;
  maxBodyBytes: number;
  lifecycle: Lifecycle;
  log?: ((line: string) => void) | undefined;
}

type Env = { Variables: { access: Access } };
type GatewayContext = Context<Env>;

export type GatewayApp = Hono<Env>;

const ROUTES = ["/", "/pipeline", "/multi-exec"] as const;

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

function rejectionReply(c: GatewayContext, rejection: Rejection) {
  return errorReply(c, rejection.status, rejection.message);
}

function encodeOutcomes(outcomes: Outcome[], base64: boolean) {
  // Error messages are never encoded: the client reads them as text.
  return outcomes.map((o) =>
    o.ok ? { result: encodeReply(o.reply, base64) } : { error: o.error.message },
  );
}

export function createGatewayApp(options: GatewayAppOptions): GatewayApp {
  const { backend, authenticate, allow, lifecycle, log } = options;
  const app = new Hono<Env>();

  // A counter is enough: there is one Redis behind the gateway and every request is answered only
  // after Redis has, so a later request always observes an earlier one's writes. The client just
  // echoes the value back.
  let syncToken = 0;
  app.use("*", async (c, next) => {
    // Set before the handler builds its response: touching `c.res.headers` afterwards would turn
    // @hono/node-server's lightweight Response into a full one on every request.
    syncToken++;
    c.header("upstash-sync-token", String(syncToken));
    await next();
  });

  app.use("*", lifecycle.middleware);

  const authenticated = async (c: GatewayContext, next: () => Promise<void>) => {
    const access = await authenticate(c.req.header("authorization"));
    if (!access) {
      c.header("WWW-Authenticate", 'Bearer realm="redge"');
      return errorReply(c, 401, "Unauthorized");
    }
    c.set("access", access);
    await next();
  };

  // Refuses an oversized body from its Content-Length, or while reading it, without buffering
  // more than the limit (see body.ts).
  const readJson = async (c: GatewayContext) => {
    const body = await readBody(c, options.maxBodyBytes);
    if (!body.ok) {
      c.header("Connection", "close");
      return {
        ok: false as const,
        status: 413 as const,
        message: `ERR the request body is larger than ${options.maxBodyBytes} bytes`,
      };
    }
    const parsed = parseJson(body.text);
    return parsed.ok ? parsed : { ...parsed, status: 400 as const };
  };
  const policyFor = (c: GatewayContext) => ({ allow, readOnly: c.get("access") === "read-only" });
  const base64For = (c: GatewayContext) => wantsBase64(c.req.header("upstash-encoding"));

  app.post("/", authenticated, async (c) => {
    const body = await readJson(c);
    if (!body.ok) return errorReply(c, body.status, body.message);
    const command = parseCommand(body.value);
    if (!command.ok) return errorReply(c, 400, command.message);
    const rejection = checkCommand(command.value, policyFor(c));
    if (rejection) return rejectionReply(c, rejection);
    try {
      const reply = await backend.command(command.value);
      return c.json({ result: encodeReply(reply, base64For(c)) });
    } catch (error) {
      return failureReply(c, error, log);
    }
  });

  const batches = {
    "/pipeline": (commands: string[][]) => backend.pipeline(commands),
    "/multi-exec": (commands: string[][]) => backend.transaction(commands),
  };
  for (const [path, run] of Object.entries(batches)) {
    app.post(path, authenticated, async (c) => {
      const body = await readJson(c);
      if (!body.ok) return errorReply(c, body.status, body.message);
      const commands = parseCommandList(body.value);
      if (!commands.ok) return errorReply(c, 400, commands.message);
      const rejection = checkCommands(commands.value, policyFor(c));
      if (rejection) return rejectionReply(c, rejection);
      try {
        const outcomes = await run(commands.value);
        return c.json(encodeOutcomes(outcomes, base64For(c)));
      } catch (error) {
        return failureReply(c, error, log);
      }
    });
  }

  for (const path of ROUTES) {
    app.all(path, (c) => {
      c.header("Allow", "POST");
      return errorReply(c, 405, `ERR method ${c.req.method} not allowed on ${path}; use POST`);
    });
  }

  app.notFound((c) =>
    errorReply(c, 404, "ERR not found; the gateway serves POST /, /pipeline and /multi-exec"),
  );

  // Last line of defence: whatever went wrong, the reply holds a fixed text, never a stack.
  app.onError((error, c) => failureReply(c, error, log));

  return app;
}
