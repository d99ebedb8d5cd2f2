/**
 * The three routes nearly every request takes — `POST /` (one command), `/pipeline` and
 * `/multi-exec` — as one function of plain values: the token, the two Upstash headers and a body
 * reader in; a status, headers and a body out. The Hono app (app.ts) serves them through it on
 * every host, and on Node the gateway's server (server.ts) calls it straight from node:http for
 * requests that need nothing else (no query string, no other route): @hono/node-server's
 * Request/Response adaptor was most of a GET's cost there. Both paths run the very same checks in
 * the same order: token (401), response format (400), body size (413) and encoding (400), JSON
 * shape (400), Redis' command table (503 until read), policy (400/403) for every command before
 * any runs, then Redis.
 */
import { redact } from "../core/redact.js";
import type { Authenticator } from "./auth.js";
import { BODY_REFUSALS, type BodyResult } from "./body.js";
import type { CommandTable } from "./command-table.js";
import { encodeResult, wantsBase64 } from "./encoding.js";
import { failureOf, RETRY_AFTER_SECONDS } from "./failures.js";
import { checkCommand, checkCommands, type PolicySettings } from "./policy.js";
import type { PolicyLoader } from "./policy-loader.js";
import type { Outcome, RedisBackend } from "./redis.js";
import { parseCommandBody, parseCommandListBody } from "./request.js";
import { encodeResp2, encodeResp2Outcomes } from "./resp2.js";
import { responseFormat } from "./response-format.js";

export type CorePath = "/" | "/pipeline" | "/multi-exec";

export const CORE_PATHS: ReadonlySet<string> = new Set(["/", "/pipeline", "/multi-exec"]);

export interface CoreRequest {
  path: CorePath;
  /** The `Authorization` header (or the `?_token=` the caller resolved to one). */
  authorization: string | undefined;
  /** `Upstash-Encoding` */
  encoding: string | undefined;
  /** `Upstash-Response-Format` */
  format: string | undefined;
  /** Reads the body as UTF-8 text within the limits (see body.ts). */
  readBody(): Promise<BodyResult>;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

export interface CoreRouteOptions {
  backend: RedisBackend;
  authenticate: Authenticator;
  policy: PolicyLoader;
  settings: PolicySettings;
  maxBodyBytes: number;
  /** The `upstash-sync-token` every authenticated response carries. */
  nextSyncToken(): number;
  log?: ((line: string) => void) | undefined;
}

const JSON_TYPE = "application/json";

function encodeOutcomes(outcomes: Outcome[], base64: boolean) {
  // Error messages are never encoded: the client reads them as text.
  return outcomes.map((o) =>
    o.ok ? { result: encodeResult(o.reply, base64) } : { error: o.error.message },
  );
}

export function createCoreRoutes(options: CoreRouteOptions) {
  const { backend, authenticate, policy, settings, log } = options;
  const tableFor = async (): Promise<CommandTable> => policy.current() ?? policy.load();

  return async function handle(request: CoreRequest): Promise<CoreResponse> {
    const headers: Record<string, string> = { "content-type": JSON_TYPE };
    const error = (status: number, message: string): CoreResponse => ({
      status,
      headers,
      body: JSON.stringify({ error: message }),
    });
    const json = (value: unknown): CoreResponse => ({
      status: 200,
      headers,
      body: JSON.stringify(value),
    });
    const resp2 = (bytes: Uint8Array): CoreResponse => ({
      status: 200,
      headers: { ...headers, "content-type": "application/octet-stream" },
      body: bytes,
    });
    const failure = (thrown: unknown): CoreResponse => {
      const f = failureOf(thrown);
      if (f.status === 500) log?.(`redge gateway: unexpected error: ${redact(String(thrown))}`);
      if (f.retryAfter !== undefined) headers["retry-after"] = String(f.retryAfter);
      return error(f.status, f.message);
    };

    const access = await authenticate(request.authorization);
    if (!access) {
      headers["www-authenticate"] = 'Bearer realm="redge"';
      return error(401, "Unauthorized");
    }
    headers["upstash-sync-token"] = String(options.nextSyncToken());
    const base64 = wantsBase64(request.encoding);
    const format = responseFormat(request.format, base64);
    if (!format.ok) return error(400, format.message);
    const body = await request.readBody();
    if (!body.ok) {
      // A refused body is left unread, so the connection is closed behind the answer.
      if (body.reason !== "not-utf8") headers.connection = "close";
      if (body.reason === "busy") headers["retry-after"] = String(RETRY_AFTER_SECONDS);
      const refusal = BODY_REFUSALS[body.reason](options.maxBodyBytes);
      return error(refusal.status, refusal.message);
    }
    const readOnly = access === "read-only";

    if (request.path === "/") {
      const command = parseCommandBody(body.text);
      if (!command.ok) return error(400, command.message);
      try {
        const verdict = checkCommand(await tableFor(), command.value, settings, readOnly);
        if (!verdict.ok) return error(verdict.status, verdict.message);
        const reply = await backend.command(command.value, { kill: verdict.kill });
        return format.format === "resp2"
          ? resp2(encodeResp2(reply))
          : json({ result: encodeResult(reply, base64) });
      } catch (thrown) {
        return failure(thrown);
      }
    }

    const commands = parseCommandListBody(body.text);
    if (!commands.ok) return error(400, commands.message);
    try {
      const verdict = checkCommands(await tableFor(), commands.value, settings, readOnly);
      if (!verdict.ok) return error(verdict.status, verdict.message);
      const run = request.path === "/pipeline" ? backend.pipeline : backend.transaction;
      const outcomes = await run(commands.value, { kill: verdict.kill });
      // Upstash: transactions answer JSON whatever the format asked for.
      if (format.format === "resp2" && request.path === "/pipeline") {
        return resp2(encodeResp2Outcomes(outcomes));
      }
      return json(encodeOutcomes(outcomes, base64));
    } catch (thrown) {
      return failure(thrown);
    }
  };
}

export type CoreRoutes = ReturnType<typeof createCoreRoutes>;
