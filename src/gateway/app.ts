/**
 * The gateway as a Hono app speaking the Upstash REST protocol, as the official `@upstash/redis`
 * client uses it:
 * - `POST /`            one command, `["SET","k","v"]`       → `{"result": ...}`
 * - `POST /pipeline`    commands, one round trip              → `[{"result"}|{"error"}, ...]`
 * - `POST /multi-exec`  commands, atomically (MULTI/EXEC)     → same shape
 * with `Authorization: Bearer <token>` and, optionally, `Upstash-Encoding: base64`.
 * Authenticated responses carry an `upstash-sync-token` header.
 *
 * Order of checks: route (404/405), token (401), body size (413) and encoding (400), JSON shape
 * (400), Redis' command table read (503 until Redis was reached once), policy (400 denied or
 * unsupported / 403 read-only or unknown script) for every command before any runs, then Redis.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { redact } from "../core/redact.js";
import type { ByteBudget } from "../web/byte-budget.js";
import type { Access, Authenticator } from "./auth.js";
import { readBody } from "./body.js";
import type { CommandTable } from "./command-table.js";
import { encodeReply, wantsBase64 } from "./encoding.js";
import { failureOf, RETRY_AFTER_SECONDS } from "./failures.js";
import type { Lifecycle } from "./lifecycle.js";
import { checkCommand, checkCommands, type PolicySettings, type Verdict } from "./policy.js";
import type { PolicyLoader } from "./policy-loader.js";
import type { Outcome, RedisBackend } from "./redis.js";
import { parseCommand, parseCommandList, parseJson } from "./request.js";

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

function rejectionReply(c: GatewayContext, rejection: Verdict & { ok: false }) {
  return errorReply(c, rejection.status, rejection.message);
}

const BODY_REFUSALS = {
  "too-large": (max: number) => ({
    status: 413 as const,
    message: `ERR the request body is larger than ${max} bytes`,
  }),
  busy: () => ({
    status: 503 as const,
    message:
      "UNAVAILABLE the gateway is holding as many request bodies as it may; try again shortly",
  }),
  "not-utf8": () => ({ status: 400 as const, message: "ERR the request body is not valid UTF-8" }),
};

function encodeOutcomes(outcomes: Outcome[], base64: boolean) {
  // Error messages are never encoded: the client reads them as text.
  return outcomes.map((o) =>
    o.ok ? { result: encodeReply(o.reply, base64) } : { error: o.error.message },
  );
}

export function createGatewayApp(options: GatewayAppOptions): GatewayApp {
  const { backend, authenticate, policy, settings, lifecycle, log } = options;
  const app = new Hono<Env>();

  app.use("*", lifecycle.middleware);

  // A counter is enough: there is one Redis behind the gateway and every request is answered only
  // after Redis has, so a later request always observes an earlier one's writes. The client just
  // echoes the value back. Only authenticated callers see it: it tells how busy the gateway is.
  let syncToken = 0;
  const authenticated = async (c: GatewayContext, next: () => Promise<void>) => {
    const access = await authenticate(c.req.header("authorization"));
    if (!access) {
      c.header("WWW-Authenticate", 'Bearer realm="redge"');
      return errorReply(c, 401, "Unauthorized");
    }
    c.set("access", access);
    // Set before the handler builds its response: touching `c.res.headers` afterwards would turn
    // @hono/node-server's lightweight Response into a full one on every request.
    syncToken++;
    c.header("upstash-sync-token", String(syncToken));
    await next();
  };

  // Refuses an oversized body from its Content-Length, or while reading it, without buffering
  // more than the limit (see body.ts). A refused body is left unread, so the connection closes.
  const readJson = async (c: GatewayContext) => {
    const body = await readBody(c, options.maxBodyBytes, options.bodyBudget);
    if (!body.ok) {
      if (body.reason !== "not-utf8") c.header("Connection", "close");
      if (body.reason === "busy") c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      return { ok: false as const, ...BODY_REFUSALS[body.reason](options.maxBodyBytes) };
    }
    const parsed = parseJson(body.text);
    return parsed.ok ? parsed : { ...parsed, status: 400 as const };
  };
  const readOnly = (c: GatewayContext) => c.get("access") === "read-only";
  const base64For = (c: GatewayContext) => wantsBase64(c.req.header("upstash-encoding"));
  // Read once; until Redis has been reached, requests wait for it (503 while it is down).
  const tableFor = async (): Promise<CommandTable> => policy.current() ?? policy.load();

  app.post("/", authenticated, async (c) => {
    const body = await readJson(c);
    if (!body.ok) return errorReply(c, body.status, body.message);
    const command = parseCommand(body.value);
    if (!command.ok) return errorReply(c, 400, command.message);
    try {
      const verdict = checkCommand(await tableFor(), command.value, settings, readOnly(c));
      if (!verdict.ok) return rejectionReply(c, verdict);
      const reply = await backend.command(command.value, { kill: verdict.kill });
      return c.json({ result: encodeReply(reply, base64For(c)) });
    } catch (error) {
      return failureReply(c, error, log);
    }
  });

  const batches = {
    "/pipeline": backend.pipeline,
    "/multi-exec": backend.transaction,
  };
  for (const [path, run] of Object.entries(batches)) {
    app.post(path, authenticated, async (c) => {
      const body = await readJson(c);
      if (!body.ok) return errorReply(c, body.status, body.message);
      const commands = parseCommandList(body.value);
      if (!commands.ok) return errorReply(c, 400, commands.message);
      try {
        const verdict = checkCommands(await tableFor(), commands.value, settings, readOnly(c));
        if (!verdict.ok) return rejectionReply(c, verdict);
        const outcomes = await run(commands.value, { kill: verdict.kill });
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
