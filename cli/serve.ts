/**
 * `redge serve`: the edge app (cache, subject, queue and stream endpoints) on Node, over TCP
 * (ioredis), until SIGINT/SIGTERM/SIGHUP; then it stops accepting, lets in-flight requests finish
 * (up to SHUTDOWN_TIMEOUT_MS) and exits 0, within 5 s even with Redis hung.
 *
 * Redis comes from --redis, else from the environment as `configFromEnv` reads it (REDIS_URL,
 * Sentinel, Cluster, even a REST pair), else redis://127.0.0.1:6379. Tokens are never printed.
 */
import { configFromEnv } from "../src/config/env.js";
import type { RedgeConfig } from "../src/config/index.js";
import { ConfigError } from "../src/core/errors.js";
import { redact } from "../src/core/redact.js";
import { argsOrExit, list, type ParsedArgs, parseOptions } from "./args.js";
import { type CliContext, EXIT_USAGE, SHUTDOWN_TIMEOUT_MS, type Subcommand } from "./context.js";
import {
  hasPassword,
  PASSWORD_ON_COMMAND_LINE,
  redisPassword,
  SecretError,
} from "./redis-secrets.js";

const DEFAULT_REDIS = "redis://127.0.0.1:6379";
// Mirrors worker/adapter/node/index.ts; not imported so that `--help` and bad arguments load neither Hono nor
// ioredis.
const DEFAULT_PORT = 8080;
const DEFAULT_HOST = "127.0.0.1";

const USAGE = `Usage: redge serve [options]

Serves the redge HTTP API (cache, subjects, queues, streams; OpenAPI at /openapi.json, docs at
/docs) on Node, connected to Redis over TCP.

Options (environment variable in brackets; options win over the environment):
  --redis <url>             redis:// or rediss:// URL [REDIS_URL]. Without it, Sentinel and
                            Cluster are read from REDIS_SENTINELS / REDIS_CLUSTER_NODES (and a
                            REST pair from UPSTASH_REDIS_REST_URL/TOKEN); default ${DEFAULT_REDIS}.
                            Keep the password out of it: the command line is visible to others
  --redis-password-file <path>
                            file holding the Redis password [REDIS_PASSWORD_FILE]; else
                            REDIS_PASSWORD, else a password inside REDIS_URL
  --port, -p <port>         port to listen on [REDGE_PORT, PORT] (default ${DEFAULT_PORT})
  --host <host>             address to listen on [REDGE_HOST] (default ${DEFAULT_HOST}; 0.0.0.0
                            in a container)
  --token <token>           read-write bearer token; repeat for several [REDGE_TOKENS, comma-separated]
  --read-token <token>      read-only bearer token; repeat for several [REDGE_READ_TOKENS]
  --max-body-bytes <n>      largest request body (default 1 MiB) [REDGE_MAX_BODY_BYTES]
  --max-buffered-bytes <n>  request-body bytes held at once over all requests, beyond which
                            requests get 503 (default 64 MiB) [REDGE_MAX_BUFFERED_BYTES]
  --request-timeout-ms <n>  a client must send a whole request within this (default 30000)
                            [REDGE_REQUEST_TIMEOUT_MS]
  --help, -h                show this help

At least one token is required. Prefer the environment for tokens: command-line arguments are
visible to other users of the machine. REDIS_KEY_PREFIX, REDIS_PASSWORD, REDIS_COMMAND_TIMEOUT_MS
and the other configFromEnv variables apply too.`;

const OPTIONS = {
  redis: { type: "string" },
  port: { type: "string", short: "p" },
  host: { type: "string" },
  token: { type: "string", multiple: true },
  "read-token": { type: "string", multiple: true },
  "max-body-bytes": { type: "string" },
  "max-buffered-bytes": { type: "string" },
  "request-timeout-ms": { type: "string" },
  "redis-password-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface ServeArgs {
  redis: RedgeConfig;
  port: number;
  host: string;
  tokens: string[];
  readOnlyTokens: string[];
  maxBodyBytes?: number;
  maxBufferedBytes?: number;
  requestTimeoutMs?: number;
  /** The command line carried a Redis password (warned about, then hidden). */
  passwordOnCommandLine: boolean;
}

/** Variables that say where Redis is; with none of them set, the default URL is used. */
const TARGET_VARIABLES = [
  "REDIS_URL",
  "REDIS_SENTINELS",
  "REDIS_CLUSTER_NODES",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "KV_REST_API_URL",
  "KV_REST_API_TOKEN",
] as const;

/**
 * The Redis config: --redis replaces every target variable (so a stray REDIS_SENTINELS cannot
 * conflict with it) but keeps the rest of the environment (key prefix, timeouts, password).
 */
function redisConfig(redis: string | undefined, env: CliContext["env"]): RedgeConfig {
  const hasTarget = TARGET_VARIABLES.some((name) => (env[name] ?? "").trim() !== "");
  if (redis === undefined && hasTarget) return configFromEnv(env);
  const withoutTargets: Record<string, string | undefined> = { ...env };
  for (const name of TARGET_VARIABLES) delete withoutTargets[name];
  delete withoutTargets.REDIS_SENTINEL_MASTER;
  delete withoutTargets.REDIS_SENTINEL_PASSWORD;
  return configFromEnv({ ...withoutTargets, REDIS_URL: redis ?? DEFAULT_REDIS });
}

function integer(value: string | undefined, name: string, min: number, max: number) {
  if (value === undefined || value.trim() === "") return { value: undefined };
  const text = value.trim();
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    return { error: `${name} must be an integer between ${min} and ${max}` };
  }
  return { value: Number(text) };
}

/** Parses arguments and environment; returns the settings or one usage error message. */
export function parseServeArgs(argv: string[], env: CliContext["env"]): ParsedArgs<ServeArgs> {
  const parsed = parseOptions(argv, OPTIONS);
  if ("error" in parsed) return parsed;
  const { values } = parsed;
  if (values.help) return { help: true };

  const tokens = list(values.token, env.REDGE_TOKENS);
  if (tokens.length === 0) {
    return { error: "no token: pass --token <token> or set REDGE_TOKENS (comma-separated tokens)" };
  }
  const port = integer(values.port ?? env.REDGE_PORT ?? env.PORT, "--port", 0, 65_535);
  if ("error" in port) return { error: port.error as string };
  const maxBody = integer(
    values["max-body-bytes"] ?? env.REDGE_MAX_BODY_BYTES,
    "--max-body-bytes",
    1,
    2 ** 31,
  );
  if ("error" in maxBody) return { error: maxBody.error as string };
  const maxBuffered = integer(
    values["max-buffered-bytes"] ?? env.REDGE_MAX_BUFFERED_BYTES,
    "--max-buffered-bytes",
    1,
    2 ** 40,
  );
  if ("error" in maxBuffered) return { error: maxBuffered.error as string };
  const requestTimeout = integer(
    values["request-timeout-ms"] ?? env.REDGE_REQUEST_TIMEOUT_MS,
    "--request-timeout-ms",
    1,
    2 ** 31,
  );
  if ("error" in requestTimeout) return { error: requestTimeout.error as string };

  let redis: RedgeConfig;
  try {
    const password = redisPassword(values["redis-password-file"], env);
    const withSecret = password === undefined ? env : { ...env, REDIS_PASSWORD: password };
    redis = redisConfig(values.redis || undefined, withSecret);
  } catch (error) {
    // ConfigError messages name fields and variables, never values.
    if (error instanceof ConfigError) return { error: redact(error.message) };
    if (error instanceof SecretError) return { error: error.message };
    throw error;
  }
  if (values.redis && redis.kind === "rest") {
    return { error: "--redis must be a redis:// or rediss:// URL" };
  }
  return {
    args: {
      redis,
      port: port.value ?? DEFAULT_PORT,
      host: values.host || env.REDGE_HOST || DEFAULT_HOST,
      tokens,
      readOnlyTokens: list(values["read-token"], env.REDGE_READ_TOKENS),
      ...(maxBody.value === undefined ? {} : { maxBodyBytes: maxBody.value }),
      ...(maxBuffered.value === undefined ? {} : { maxBufferedBytes: maxBuffered.value }),
      ...(requestTimeout.value === undefined ? {} : { requestTimeoutMs: requestTimeout.value }),
      passwordOnCommandLine: hasPassword(values.redis),
    },
  };
}

/** Where the server connects, for the start-up line: no password, no token. */
export function describeRedis(config: RedgeConfig): string {
  if (config.kind === "rest") return `${redact(config.url)} (REST)`;
  if (config.mode === "sentinel") {
    return `Sentinel master "${config.masterName}" via ${config.sentinels.length} sentinel(s)`;
  }
  if (config.mode === "cluster") return `Cluster via ${config.nodes.length} seed node(s)`;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return `${config.tls ? "rediss" : "redis"}://${host}:${config.port}${config.db ? `/${config.db}` : ""}`;
}

async function run(argv: string[], context: CliContext): Promise<number> {
  const parsed = argsOrExit("serve", parseServeArgs(argv, context.env), USAGE, context);
  if ("exit" in parsed) return parsed.exit;
  const { args } = parsed;
  if (args.passwordOnCommandLine) {
    context.err(`redge serve: ${PASSWORD_ON_COMMAND_LINE}`);
    context.hideArguments?.("redge serve");
  }
  const shutdown = context.shutdownSignal();

  // Loaded only now: Hono, the app and ioredis are not needed for --help or a usage error.
  const { startServer } = await import("../worker/adapter/node/index.js");
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      redis: args.redis,
      port: args.port,
      host: args.host,
      tokens: args.tokens,
      readOnlyTokens: args.readOnlyTokens,
      ...(args.maxBodyBytes === undefined ? {} : { maxBodyBytes: args.maxBodyBytes }),
      ...(args.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: args.maxBufferedBytes }),
      ...(args.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: args.requestTimeoutMs }),
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      onError: (error) => {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        context.err(`redge serve: ${redact(text)}`);
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      context.err(`redge serve: ${redact(error.message)}`);
      return EXIT_USAGE;
    }
    const code = (error as { code?: string }).code ?? "error";
    context.err(`redge serve: cannot listen on ${args.host}:${args.port} (${code})`);
    return 1;
  }
  const readOnly = args.readOnlyTokens.length;
  context.out(
    `redge serve listening on ${server.url} -> ${describeRedis(args.redis)} (${args.tokens.length} read-write, ${readOnly} read-only token${readOnly === 1 ? "" : "s"})`,
  );

  const signal = await shutdown;
  context.err(`redge serve: ${signal} received, shutting down`);
  await server.close();
  context.err("redge serve: stopped");
  return 0;
}

export const serveCommand: Subcommand = {
  name: "serve",
  summary: "serve the redge HTTP API (cache, subjects, queues, streams) on Node over TCP",
  usage: USAGE,
  run,
};
