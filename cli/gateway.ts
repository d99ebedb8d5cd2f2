/**
 * `redge gateway`: runs the Upstash-REST-compatible gateway in front of a Redis server until
 * SIGINT/SIGTERM, then shuts down gracefully and exits 0.
 *
 * Every option can come from the environment, which is the better place for tokens (command-line
 * arguments are visible to other users in `ps`). Tokens are never printed.
 */
import { readFileSync } from "node:fs";
import { splitList } from "../src/config/env.js";
import { DEFAULT_REDIS_PORT, DEFAULT_SENTINEL_PORT, parseHostPort } from "../src/config/url.js";
import { ConfigError } from "../src/core/errors.js";
import { redact } from "../src/core/redact.js";
import { createGateway, type Gateway, type TopologySource } from "../src/gateway/index.js";
import { argsOrExit, list, type ParsedArgs, parseOptions } from "./args.js";
import { type CliContext, EXIT_USAGE, SHUTDOWN_TIMEOUT_MS, type Subcommand } from "./context.js";
import {
  hasPassword,
  PASSWORD_ON_COMMAND_LINE,
  redisPassword,
  SecretError,
  withPassword,
} from "./redis-secrets.js";

const DEFAULT_REDIS = "redis://127.0.0.1:6379";
const DEFAULT_PORT = 8079;
const DEFAULT_HOST = "127.0.0.1";

const USAGE = `Usage: redge gateway [options]

Serves the Upstash REST protocol (POST /, /pipeline, /multi-exec, path-style commands, pub/sub
over SSE) in front of a Redis server, so @upstash/redis and edge code can use self-hosted Redis.

Options (environment variable in brackets; options win over the environment):
  --redis <url>             Redis URL, redis:// or rediss:// [REDIS_URL] (default ${DEFAULT_REDIS});
                            keep the password out of it: the command line is visible to others
  --redis-password-file <path>
                            file holding the Redis password [REDIS_PASSWORD_FILE]; else
                            REDIS_PASSWORD, else a password inside REDIS_URL
  --sentinel <list>         reach the master through Sentinel: host:port,host:port
                            [REDIS_SENTINELS] (port ${DEFAULT_SENTINEL_PORT} if left out); needs --master
  --master <name>           the master's name as the Sentinels know it [REDIS_SENTINEL_MASTER]
  --cluster <list>          serve a Redis Cluster from these seed nodes: host:port,host:port
                            [REDIS_CLUSTER_NODES] (port ${DEFAULT_REDIS_PORT} if left out)
                            The data nodes' password comes from --redis-password-file or
                            REDIS_PASSWORD; the Sentinels' from REDIS_SENTINEL_PASSWORD.
  --port, -p <port>         port to listen on [REDGE_PORT, PORT] (default ${DEFAULT_PORT})
  --host <host>             address to listen on [REDGE_HOST] (default ${DEFAULT_HOST})
  --token <token>           read-write bearer token; repeat for several [REDGE_TOKENS, comma-separated]
  --read-token <token>      read-only bearer token; repeat for several [REDGE_READ_TOKENS]
  --allow <commands>        commands denied by default to allow, comma-separated, e.g.
                            FLUSHDB,KEYS,"SCRIPT FLUSH" [REDGE_ALLOW]
  --allow-scripts           run any script or function, not only redge's own and --script-file
                            ones [REDGE_ALLOW_SCRIPTS=1]. Redis' ACLs are then all that stops a
                            script from calling a denied command, so the gateway refuses to
                            start unless its Redis user is barred from them (it prints the
                            ACL SETUSER line to run)
  --script-file <path>      a Lua script the gateway runs without --allow-scripts; repeat for
                            several [REDGE_SCRIPT_FILES, comma-separated]
  --script-timeout-ms <n>   stop a script the gateway does not know after this long, with
                            SCRIPT KILL (default 5000, below --command-timeout-ms)
                            [REDGE_SCRIPT_TIMEOUT_MS]
  --max-body-bytes <n>      largest request body (default 16 MiB) [REDGE_MAX_BODY_BYTES]
  --max-buffered-bytes <n>  request-body bytes held at once over all requests, beyond which
                            requests get 503 (default 64 MiB) [REDGE_MAX_BUFFERED_BYTES]
  --request-timeout-ms <n>  a client must send a whole request within this (default 30000)
                            [REDGE_REQUEST_TIMEOUT_MS]
  --command-timeout-ms <n>  how long Redis may take per command (default 10000)
                            [REDGE_COMMAND_TIMEOUT_MS]
  --health-check-interval-ms <n>
                            probe the Redis connection this often; a hung or demoted server is
                            dropped and reconnected, 0 = off (default 5000)
                            [REDGE_HEALTH_CHECK_INTERVAL_MS]
  --allow-query-token       also take the token as ?_token= in the URL, as Upstash does
                            [REDGE_ALLOW_QUERY_TOKEN=1]; URLs end up in access and proxy logs
  --sse-client-buffer-bytes <n>
                            bytes one pub/sub (SSE) subscriber may leave unread before it is
                            dropped (default 1 MiB) [REDGE_SSE_CLIENT_BUFFER_BYTES]
  --sse-buffered-bytes <n>  unread bytes over all subscribers; past it the slowest is dropped
                            (default 64 MiB) [REDGE_SSE_BUFFERED_BYTES]
  --help, -h                show this help

At least one token is required. Prefer the environment for tokens: command-line arguments are
visible to other users of the machine.`;

/** Comma-separated lists, from repeated options or one environment variable. */

class UsageError extends Error {}

/** An optional non-negative integer option; `undefined` when neither option nor env sets it. */
function integer(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) > max) {
    throw new UsageError(`${name} must be an integer between 0 and ${max}`);
  }
  return Number(value);
}

interface GatewayArgs {
  /** A URL, or a Sentinel/Cluster in the client config's shape. */
  redis: string | TopologySource;
  port: number;
  host: string;
  tokens: string[];
  readOnlyTokens: string[];
  allow: string[];
  allowScripts: boolean;
  /** Lua sources from --script-file. */
  scripts: string[];
  scriptTimeoutMs?: number;
  maxBodyBytes?: number;
  maxBufferedBytes?: number;
  requestTimeoutMs?: number;
  commandTimeoutMs?: number;
  healthCheckIntervalMs?: number;
  allowQueryToken: boolean;
  sseClientBufferBytes?: number;
  sseBufferedBytes?: number;
  /** The command line carried a Redis password (warned about, then hidden). */
  passwordOnCommandLine: boolean;
}

/** A boolean environment flag: 1/true/yes (any case) are on, 0/false/no/empty off. */
function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "") return false;
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no)$/i.test(value)) return false;
  throw new UsageError(`${name} must be 1 or 0`);
}

function scriptSources(paths: string[]): string[] {
  return paths.map((path, i) => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as { code?: string }).code ?? "unreadable";
      throw new UsageError(`--script-file ${i + 1}: cannot read it (${code})`);
    }
  });
}

/** Parses arguments and environment; returns the settings or one usage error message. */
export function parseGatewayArgs(argv: string[], env: CliContext["env"]): ParsedArgs<GatewayArgs> {
  const parsed = parseOptions(argv, OPTIONS);
  if ("error" in parsed) return parsed;
  const { values } = parsed;
  if (values.help) return { help: true };

  try {
    const tokens = list(values.token, env.REDGE_TOKENS);
    if (tokens.length === 0) {
      throw new UsageError(
        "no token: pass --token <token> or set REDGE_TOKENS (comma-separated tokens)",
      );
    }
    const maxBodyBytes = integer(
      values["max-body-bytes"] ?? env.REDGE_MAX_BODY_BYTES,
      "--max-body-bytes",
      Number.MAX_SAFE_INTEGER,
    );
    const commandTimeoutMs = integer(
      values["command-timeout-ms"] ?? env.REDGE_COMMAND_TIMEOUT_MS,
      "--command-timeout-ms",
      Number.MAX_SAFE_INTEGER,
    );
    const healthCheckIntervalMs = integer(
      values["health-check-interval-ms"] ?? env.REDGE_HEALTH_CHECK_INTERVAL_MS,
      "--health-check-interval-ms",
      Number.MAX_SAFE_INTEGER,
    );
    const scriptTimeoutMs = integer(
      values["script-timeout-ms"] ?? env.REDGE_SCRIPT_TIMEOUT_MS,
      "--script-timeout-ms",
      Number.MAX_SAFE_INTEGER,
    );
    const maxBufferedBytes = integer(
      values["max-buffered-bytes"] ?? env.REDGE_MAX_BUFFERED_BYTES,
      "--max-buffered-bytes",
      Number.MAX_SAFE_INTEGER,
    );
    const requestTimeoutMs = integer(
      values["request-timeout-ms"] ?? env.REDGE_REQUEST_TIMEOUT_MS,
      "--request-timeout-ms",
      Number.MAX_SAFE_INTEGER,
    );
    const sseClientBufferBytes = integer(
      values["sse-client-buffer-bytes"] ?? env.REDGE_SSE_CLIENT_BUFFER_BYTES,
      "--sse-client-buffer-bytes",
      Number.MAX_SAFE_INTEGER,
    );
    const sseBufferedBytes = integer(
      values["sse-buffered-bytes"] ?? env.REDGE_SSE_BUFFERED_BYTES,
      "--sse-buffered-bytes",
      Number.MAX_SAFE_INTEGER,
    );
    const target = redisTarget(values, env);
    const args: GatewayArgs = {
      ...target,
      port: integer(values.port ?? env.REDGE_PORT ?? env.PORT, "--port", 65_535) ?? DEFAULT_PORT,
      host: values.host ?? env.REDGE_HOST ?? DEFAULT_HOST,
      tokens,
      readOnlyTokens: list(values["read-token"], env.REDGE_READ_TOKENS),
      allow: list(values.allow, env.REDGE_ALLOW),
      allowScripts:
        values["allow-scripts"] === true || flag(env.REDGE_ALLOW_SCRIPTS, "REDGE_ALLOW_SCRIPTS"),
      scripts: scriptSources(list(values["script-file"], env.REDGE_SCRIPT_FILES)),
      ...(scriptTimeoutMs === undefined ? {} : { scriptTimeoutMs }),
      ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
      ...(maxBufferedBytes === undefined ? {} : { maxBufferedBytes }),
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
      ...(commandTimeoutMs === undefined ? {} : { commandTimeoutMs }),
      ...(healthCheckIntervalMs === undefined ? {} : { healthCheckIntervalMs }),
      allowQueryToken:
        values["allow-query-token"] === true ||
        flag(env.REDGE_ALLOW_QUERY_TOKEN, "REDGE_ALLOW_QUERY_TOKEN"),
      ...(sseClientBufferBytes === undefined ? {} : { sseClientBufferBytes }),
      ...(sseBufferedBytes === undefined ? {} : { sseBufferedBytes }),
      passwordOnCommandLine: hasPassword(values.redis),
    };
    return { args };
  } catch (error) {
    if (error instanceof UsageError || error instanceof SecretError)
      return { error: error.message };
    throw error;
  }
}

/** A `host:port,host:port` list; a bad entry is a usage error naming the option. */
function addresses(text: string, option: string, defaultPort: number) {
  const entries = splitList(text);
  if (entries.length === 0) throw new UsageError(`${option} needs at least one host:port`);
  return entries.map((entry, i) => {
    const parsed = parseHostPort(entry, defaultPort);
    if (!parsed.ok) throw new UsageError(`${option}: entry ${i + 1} ${parsed.message}`);
    return parsed.value;
  });
}

type ParsedValues = Extract<
  ReturnType<typeof parseOptions<typeof OPTIONS>>,
  { values: unknown }
>["values"];

/**
 * `--redis`, `--sentinel` + `--master`, or `--cluster` (else their environment variables, in
 * that order of precedence within each source). Options win over the environment as a whole: a
 * `--redis` on the command line is not mixed with REDIS_SENTINELS from the environment.
 */
function redisTarget(values: ParsedValues, env: CliContext["env"]): Pick<GatewayArgs, "redis"> {
  const given = [values.redis, values.sentinel, values.cluster].filter((v) => v !== undefined);
  if (given.length > 1) {
    throw new UsageError("give one of --redis, --sentinel or --cluster");
  }
  if (values.master !== undefined && values.sentinel === undefined && given.length > 0) {
    throw new UsageError("--master is only used with --sentinel");
  }
  const fromArgs = given.length > 0;
  const sentinels = fromArgs ? values.sentinel : env.REDIS_SENTINELS;
  const cluster = fromArgs ? values.cluster : env.REDIS_CLUSTER_NODES;
  const url = fromArgs ? values.redis : env.REDIS_URL;
  const secret = redisPassword(values["redis-password-file"], env);
  const password = secret === undefined ? {} : { password: secret };
  if (sentinels !== undefined && cluster !== undefined) {
    throw new UsageError("REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set; choose one");
  }
  if (sentinels !== undefined) {
    const option = fromArgs ? "--sentinel" : "REDIS_SENTINELS";
    const masterName = values.master ?? env.REDIS_SENTINEL_MASTER;
    if (!masterName) {
      throw new UsageError(
        `${option} needs the master's name: --master <name> or REDIS_SENTINEL_MASTER`,
      );
    }
    const list = addresses(sentinels, option, DEFAULT_SENTINEL_PORT);
    const sentinelPassword = env.REDIS_SENTINEL_PASSWORD;
    return {
      redis: {
        sentinel: {
          sentinels: list,
          masterName,
          ...(sentinelPassword ? { sentinelPassword } : {}),
        },
        ...password,
      },
    };
  }
  if (cluster !== undefined) {
    const list = addresses(
      cluster,
      fromArgs ? "--cluster" : "REDIS_CLUSTER_NODES",
      DEFAULT_REDIS_PORT,
    );
    return {
      redis: { cluster: { nodes: list }, ...password },
    };
  }
  if (values.master !== undefined) throw new UsageError("--master is only used with --sentinel");
  return { redis: withPassword(url ?? DEFAULT_REDIS, secret) };
}

/** What the gateway serves, for its start-up line: never a password. */
function describeRedis(redis: GatewayArgs["redis"]): string {
  if (typeof redis === "string") return redact(redis);
  const list = (nodes: { host: string; port: number }[]) =>
    nodes.map((a) => `${a.host}:${a.port}`).join(",");
  if (redis.sentinel) {
    return `Sentinel master ${redis.sentinel.masterName} via ${list(redis.sentinel.sentinels)}`;
  }
  return `Cluster via ${list(redis.cluster.nodes)}`;
}

const OPTIONS = {
  redis: { type: "string" },
  "redis-password-file": { type: "string" },
  "allow-scripts": { type: "boolean" },
  "script-file": { type: "string", multiple: true },
  "script-timeout-ms": { type: "string" },
  "max-buffered-bytes": { type: "string" },
  "request-timeout-ms": { type: "string" },
  sentinel: { type: "string" },
  master: { type: "string" },
  cluster: { type: "string" },
  port: { type: "string", short: "p" },
  host: { type: "string" },
  token: { type: "string", multiple: true },
  "read-token": { type: "string", multiple: true },
  allow: { type: "string", multiple: true },
  "max-body-bytes": { type: "string" },
  "command-timeout-ms": { type: "string" },
  "health-check-interval-ms": { type: "string" },
  "allow-query-token": { type: "boolean" },
  "sse-client-buffer-bytes": { type: "string" },
  "sse-buffered-bytes": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

async function run(argv: string[], context: CliContext): Promise<number> {
  const parsed = argsOrExit("gateway", parseGatewayArgs(argv, context.env), USAGE, context);
  if ("exit" in parsed) return parsed.exit;
  const { args } = parsed;
  if (args.passwordOnCommandLine) {
    context.err(`redge gateway: ${PASSWORD_ON_COMMAND_LINE}`);
    context.hideArguments?.("redge gateway");
  }

  let gateway: Gateway;
  try {
    gateway = createGateway({
      redis: args.redis,
      tokens: args.tokens,
      readOnlyTokens: args.readOnlyTokens,
      allow: args.allow,
      allowScripts: args.allowScripts,
      scripts: args.scripts,
      ...(args.scriptTimeoutMs === undefined ? {} : { scriptTimeoutMs: args.scriptTimeoutMs }),
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      ...(args.maxBodyBytes === undefined ? {} : { maxBodyBytes: args.maxBodyBytes }),
      ...(args.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: args.maxBufferedBytes }),
      ...(args.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: args.requestTimeoutMs }),
      ...(args.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: args.commandTimeoutMs }),
      ...(args.healthCheckIntervalMs === undefined
        ? {}
        : { healthCheckIntervalMs: args.healthCheckIntervalMs }),
      allowQueryToken: args.allowQueryToken,
      ...(args.sseClientBufferBytes === undefined
        ? {}
        : { sseClientBufferBytes: args.sseClientBufferBytes }),
      ...(args.sseBufferedBytes === undefined ? {} : { sseBufferedBytes: args.sseBufferedBytes }),
      log: (line) => context.err(line),
    });
  } catch (error) {
    // ConfigError messages name fields, never values.
    const message = error instanceof ConfigError ? error.message : "cannot start";
    context.err(`redge gateway: ${redact(message)}`);
    return EXIT_USAGE;
  }

  const shutdown = context.shutdownSignal();
  let url: string;
  try {
    ({ url } = await gateway.listen({ port: args.port, host: args.host }));
  } catch (error) {
    const code = (error as { code?: string }).code ?? "error";
    context.err(`redge gateway: cannot listen on ${args.host}:${args.port} (${code})`);
    await gateway.close();
    return 1;
  }
  if (args.allowQueryToken) {
    context.err(
      "redge gateway: tokens are accepted in URLs (?_token=); URLs end up in access logs, proxy logs and browser histories",
    );
  }
  const readOnly = args.readOnlyTokens.length;
  context.out(
    `redge gateway listening on ${url} -> ${describeRedis(args.redis)} (${args.tokens.length} read-write, ${readOnly} read-only token${readOnly === 1 ? "" : "s"})`,
  );

  // The policy is read from Redis once it answers; a failed start-up check (--allow-scripts with
  // a Redis user that may run denied commands) ends the gateway with the ACL line to use.
  const refused = gateway.ready().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  const outcome = await Promise.race([
    shutdown.then((signal) => ({ signal })),
    refused.then((reason) => (reason === undefined ? new Promise<never>(() => {}) : { reason })),
  ]);
  if ("reason" in outcome) {
    // Written by the gateway itself (a user name, never a password): no redaction, which would
    // mask the ACL line the operator needs.
    context.err(`redge gateway: refusing to serve: ${outcome.reason}`);
    await gateway.close();
    return 1;
  }
  context.err(`redge gateway: ${outcome.signal} received, shutting down`);
  await gateway.close();
  context.err("redge gateway: stopped");
  return 0;
}

export const gatewayCommand: Subcommand = {
  name: "gateway",
  summary: "serve the Upstash REST protocol in front of a Redis server",
  usage: USAGE,
  run,
};
