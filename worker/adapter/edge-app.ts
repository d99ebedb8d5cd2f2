/**
 * The app as both edge entry points (Workers, Vercel Edge) build it: a REST client from the
 * environment (`UPSTASH_REDIS_REST_URL`/`TOKEN`, or Vercel KV's `KV_REST_API_URL`/`TOKEN`), tokens
 * from `REDGE_TOKENS`/`REDGE_READ_TOKENS`. Nothing here imports Node: the bundle check holds it.
 */
import { configFromEnv, type EnvSource } from "../../src/config/index.js";
import { ConfigError } from "../../src/core/errors.js";
import { redact } from "../../src/core/redact.js";
import { createClient } from "../../src/create-client.js";
import { createApp } from "../app/index.js";
import { maxBodyBytesFromEnv, tokensFromEnv } from "./env.js";

const NEEDS_REST = {
  path: "UPSTASH_REDIS_REST_URL",
  message:
    "and UPSTASH_REDIS_REST_TOKEN are required: edge runtimes reach Redis over REST (Upstash, or `redge gateway` in front of your Redis); REDIS_URL, Sentinel and Cluster need `redge serve` in Node",
};

export type EdgeApp = ReturnType<typeof createApp>;

/**
 * Builds the client and the app from `env`. Throws a `ConfigError` (naming variables, never their
 * values) when the environment is incomplete. Every problem is reported at once: a deploy that is
 * missing two secrets should say so in one go.
 */
export function edgeAppFromEnv(env: EnvSource): EdgeApp {
  const issues: { path: string; message: string }[] = [];
  let auth: ReturnType<typeof tokensFromEnv> | undefined;
  let maxBodyBytes: number | undefined;
  try {
    auth = tokensFromEnv(env);
    maxBodyBytes = maxBodyBytesFromEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  let client: ReturnType<typeof createClient> | undefined;
  try {
    const config = configFromEnv(env);
    // configFromEnv also accepts REDIS_URL, Sentinel and Cluster, which need TCP: not on the edge.
    if (config.kind !== "rest") throw new ConfigError([{ path: "", message: "not REST" }]);
    client = createClient(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // "Nothing set" (path "") lists the TCP options too; say what the edge needs instead.
    issues.push(...error.issues.map((issue) => (issue.path === "" ? NEEDS_REST : issue)));
  }
  if (issues.length > 0 || !auth || !client) throw new ConfigError(issues);
  // Set by `redge dev`, whose wrangler serves Swagger UI's files in front of the worker; a
  // deployed worker loads them from the CDN.
  const docsVersion = (env as Readonly<Record<string, unknown>>).REDGE_DOCS_ASSETS_VERSION;
  return createApp({
    client,
    tokens: auth.tokens,
    readOnlyTokens: auth.readOnlyTokens,
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(typeof docsVersion === "string" && docsVersion !== ""
      ? { docsAssets: { version: docsVersion, servedBy: "platform" as const } }
      : {}),
    onError: logError,
  });
}

/** The runtime's log (`wrangler tail`, Vercel logs) gets what the 500/503 response leaves out. */
export function logError(error: unknown): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`redge: ${redact(text)}`);
}

/**
 * The answer to every request while the deployment is misconfigured: 500 with the same error shape
 * as the app's. The message names the missing or bad variables (ConfigError never holds values),
 * which is what the person deploying needs and tells a caller nothing secret.
 */
export function configErrorResponse(error: unknown): Response {
  const message =
    error instanceof ConfigError
      ? `server misconfigured: ${error.issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join("; ")}`
      : "server misconfigured";
  return Response.json({ error: { code: "misconfigured", message } }, { status: 500 });
}
