/**
 * `redge dev`: the one-command local stack. Starts a `redis-server` child (data in `.redge/redis/`
 * so it survives restarts) unless REDIS_URL points at one, runs the gateway in front of it with a
 * dev token kept in `.redge/dev-token`, runs the worker (worker/adapter/cloudflare/index.ts) under `wrangler dev`
 * pointed at the gateway, prints how to connect, and stops everything on Ctrl-C.
 *
 * Unlike `redge gateway`, this prints the token: it is the developer's local token, and the
 * copy-paste lines need it. A password in REDIS_URL is never printed.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ConfigError } from "../src/core/errors.js";
import { redact } from "../src/core/redact.js";
import { allowSet, createGateway, type Gateway } from "../src/gateway/index.js";
import { argsOrExit, list, type ParsedArgs, parseOptions } from "./args.js";
import { type CliContext, EXIT_USAGE, type Subcommand } from "./context.js";
import { prepareDocsAssets } from "./dev/docs-assets.js";
import { createDevGatewayUser, DEV_GATEWAY_USER } from "./dev/gateway-user.js";
import {
  describeExit,
  findRedisServer,
  REDIS_INSTALL_HINT,
  type RedisChild,
  RedisChildError,
  startRedisChild,
} from "./dev/redis-child.js";
import {
  findWrangler,
  startWorkerChild,
  WORKER_DIR_NAME,
  type WorkerChild,
  WorkerChildAborted,
  WorkerChildError,
  WRANGLER_HINT,
  workerEntry,
} from "./dev/worker-child.js";

const DEFAULT_PORT = 8079;
/** wrangler dev's own default, so the worker is where Workers developers expect it. */
const DEFAULT_WORKER_PORT = 8787;
const DEFAULT_HOST = "127.0.0.1";
/** Where `redge dev` keeps its state, relative to the current directory (gitignored). */
const STATE_DIR = ".redge";
const REDIS_DIR = join(STATE_DIR, "redis");
const TOKEN_FILE = join(STATE_DIR, "dev-token");
const WORKER_DIR = join(STATE_DIR, WORKER_DIR_NAME);
/** Commands `redge gateway` denies by default that are handy while developing. */
const DEV_ALLOW = ["KEYS", "FLUSHDB"];
/** Ctrl-C should be quick: in-flight requests get this long before connections are cut. */
const SHUTDOWN_TIMEOUT_MS = 3_000;

const USAGE = `Usage: redge dev [options]

Runs a local stack for development: a redis-server child on a free loopback port (data kept in
${REDIS_DIR}/, append-only file on, so it survives restarts), the Upstash-REST gateway in front
of it, and the redge worker (worker/adapter/cloudflare/index.ts) in a local workerd under \`wrangler dev\`,
reaching Redis through the gateway as it would reach Upstash when deployed. Prints the URLs, the
token and copy-paste lines. Ctrl-C stops all three.

Options (environment variable in brackets; options win over the environment):
  --redis <url>         use this Redis instead of starting one [REDIS_URL]
  --port, -p <port>     gateway port (default ${DEFAULT_PORT}) [REDGE_PORT]
  --host <host>         gateway address (default ${DEFAULT_HOST}) [REDGE_HOST]
  --token <token>       gateway token; repeat for several [REDGE_TOKENS, comma-separated].
                        Without one, a random token is generated once and kept in
                        ${TOKEN_FILE}, so clients keep working across restarts
  --allow <commands>    more denied-by-default commands to allow, comma-separated [REDGE_ALLOW].
                        Dev mode always allows ${DEV_ALLOW.join(" and ")}
  --worker-port <port>  worker port (default ${DEFAULT_WORKER_PORT}) [REDGE_WORKER_PORT]
  --no-worker           do not start the worker (no wrangler/workerd needed) [REDGE_NO_WORKER=1]
  --help, -h            show this help

The redis-server binary is taken from PATH, or from REDIS_SERVER_BIN. The worker needs wrangler
(a devDependency of your project, or redge's own); its generated config and variables live in
${WORKER_DIR}/.`;

interface DevArgs {
  /** undefined: start a redis-server child. */
  redis: string | undefined;
  port: number;
  host: string;
  /** Empty: use (or create) the token in .redge/dev-token. */
  tokens: string[];
  allow: string[];
  /** Whether to start the worker under wrangler dev. */
  worker: boolean;
  workerPort: number;
}

const OPTIONS = {
  redis: { type: "string" },
  port: { type: "string", short: "p" },
  host: { type: "string" },
  token: { type: "string", multiple: true },
  allow: { type: "string", multiple: true },
  "worker-port": { type: "string" },
  "no-worker": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses arguments and environment; returns the settings or one usage error message. */
export function parseDevArgs(argv: string[], env: CliContext["env"]): ParsedArgs<DevArgs> {
  const parsed = parseOptions(argv, OPTIONS);
  if ("error" in parsed) return parsed;
  const { values } = parsed;
  if (values.help) return { help: true };

  const port = portOption(values.port ?? env.REDGE_PORT, DEFAULT_PORT);
  if (port === undefined) return { error: "--port must be an integer between 0 and 65535" };
  const workerPort = portOption(
    values["worker-port"] ?? env.REDGE_WORKER_PORT,
    DEFAULT_WORKER_PORT,
  );
  if (workerPort === undefined || workerPort === 0) {
    // wrangler dev has no "any free port" value, and the URL must be known to print it.
    return { error: "--worker-port must be an integer between 1 and 65535" };
  }

  const extra = list(values.allow, env.REDGE_ALLOW).filter(
    (entry) => !DEV_ALLOW.includes(entry.toUpperCase()),
  );
  return {
    args: {
      redis: values.redis || env.REDIS_URL || undefined,
      port,
      host: values.host || env.REDGE_HOST || DEFAULT_HOST,
      tokens: list(values.token, env.REDGE_TOKENS),
      allow: [...DEV_ALLOW, ...extra],
      worker: !(values["no-worker"] || /^(1|true|yes)$/i.test(env.REDGE_NO_WORKER?.trim() ?? "")),
      workerPort,
    },
  };
}

/** A port from an option or variable: `fallback` when unset, `undefined` when invalid. */
function portOption(raw: string | undefined, fallback: number): number | undefined {
  const text = raw?.trim();
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text) || Number(text) > 65_535) return undefined;
  return Number(text);
}

const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

/** The dev token from `.redge/dev-token`, created (random, owner-only) when missing or unusable. */
export function devToken(cwd: string): { token: string; created: boolean } {
  const file = join(cwd, TOKEN_FILE);
  try {
    const saved = readFileSync(file, "utf8").trim();
    if (TOKEN_SHAPE.test(saved)) return { token: saved, created: false };
  } catch {
    // Missing: create it below.
  }
  const token = `dev_${randomBytes(24).toString("base64url")}`;
  mkdirSync(join(cwd, STATE_DIR), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, created: true };
}

/** Whether host:port can be listened on now; the error code when not. */
function probePort(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", (error) => resolve((error as { code?: string }).code ?? "error"));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

function portError(host: string, port: number, code: string): string {
  return code === "EADDRINUSE"
    ? `redge dev: port ${port} on ${host} is already in use (another \`redge dev\`?); pass --port <port> or set REDGE_PORT`
    : `redge dev: cannot listen on ${host}:${port} (${code})`;
}

function workerPortError(host: string, port: number, code: string): string {
  return code === "EADDRINUSE"
    ? `redge dev: worker port ${port} on ${host} is already in use (another \`wrangler dev\`?); pass --worker-port <port>, set REDGE_WORKER_PORT, or pass --no-worker`
    : `redge dev: cannot listen on ${host}:${port} for the worker (${code})`;
}

/** The gateway as the worker should call it: a wildcard listen address is reached on loopback. */
function loopbackUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === "0.0.0.0") parsed.hostname = "127.0.0.1";
  if (parsed.hostname === "[::]") parsed.hostname = "[::1]";
  return parsed.origin;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

async function run(argv: string[], context: CliContext): Promise<number> {
  const parsed = argsOrExit("dev", parseDevArgs(argv, context.env), USAGE, context);
  if ("exit" in parsed) return parsed.exit;
  const { args } = parsed;
  const cwd = process.cwd();

  // Fail on a taken port before starting anything.
  const taken = args.port === 0 ? undefined : await probePort(args.host, args.port);
  if (taken) {
    context.err(portError(args.host, args.port, taken));
    return 1;
  }
  // The worker: wrangler and the entry must be there, and its port free. Without wrangler the
  // rest of the stack is still useful, so that is a note, not a failure.
  let worker: { wrangler: string; entry: string } | undefined;
  if (args.worker) {
    const wrangler = findWrangler(cwd);
    const entry = workerEntry();
    if (wrangler && entry) {
      const workerTaken = await probePort(args.host, args.workerPort);
      if (workerTaken) {
        context.err(workerPortError(args.host, args.workerPort, workerTaken));
        return 1;
      }
      worker = { wrangler, entry };
    } else {
      context.err(WRANGLER_HINT);
    }
  }
  let bin: string | undefined;
  if (args.redis === undefined) {
    bin = findRedisServer(context.env);
    if (!bin) {
      context.err(REDIS_INSTALL_HINT);
      return 1;
    }
  }

  // A signal, or the parent exiting: through `npm run dev`, npm killed by SIGHUP (or the shell
  // between npm and node killed) would otherwise leave the whole stack running.
  let signal: string | undefined;
  const shutdown = Promise.race([
    context.shutdownSignal(),
    context.parentExited().then(() => "parent exit"),
  ]).then((s) => {
    signal = s;
    return s;
  });

  let tokens = args.tokens;
  let tokenNote = "from --token / REDGE_TOKENS";
  if (tokens.length === 0) {
    const dev = devToken(cwd);
    tokens = [dev.token];
    tokenNote = dev.created ? `new, saved in ${TOKEN_FILE}` : `reused from ${TOKEN_FILE}`;
  }

  let child: RedisChild | undefined;
  if (bin !== undefined) {
    try {
      child = await startRedisChild({ bin, dir: join(cwd, REDIS_DIR) });
    } catch (error) {
      context.err(
        error instanceof RedisChildError ? error.message : "redge dev: cannot start redis-server",
      );
      return 1;
    }
  }
  const redisUrl = child?.url ?? (args.redis as string);
  const stopChild = async () => {
    if (child) await child.stop();
  };
  if (signal !== undefined) {
    await stopChild();
    return 0;
  }

  // On the Redis dev started, the gateway runs any script, as a user Redis bars from the
  // commands the gateway denies; on a Redis of the developer's own, only redge's scripts.
  let gatewayRedis = redisUrl;
  if (child) {
    try {
      gatewayRedis = await createDevGatewayUser(redisUrl, allowSet(args.allow));
    } catch {
      context.err("redge dev: cannot create the gateway's Redis user");
      await stopChild();
      return 1;
    }
  }
  const allowScripts = child !== undefined;

  let gateway: Gateway;
  try {
    gateway = createGateway({
      redis: gatewayRedis,
      tokens,
      allow: args.allow,
      allowScripts,
      shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
      log: (line) => context.err(line),
    });
  } catch (error) {
    // ConfigError messages name fields, never values.
    const message = error instanceof ConfigError ? error.message : "cannot start";
    context.err(`redge dev: ${redact(message)}`);
    await stopChild();
    return EXIT_USAGE;
  }

  let url: string;
  try {
    ({ url } = await gateway.listen({ port: args.port, host: args.host }));
  } catch (error) {
    context.err(portError(args.host, args.port, (error as { code?: string }).code ?? "error"));
    await gateway.close();
    await stopChild();
    return 1;
  }

  const token = tokens[0]!;
  let workerChild: WorkerChild | undefined;
  if (worker && signal === undefined) {
    // wrangler takes a few seconds to get ready; Ctrl-C meanwhile should not wait for it.
    const cancel = new AbortController();
    void shutdown.then(() => cancel.abort());
    try {
      const docs = prepareDocsAssets(join(cwd, WORKER_DIR, "assets"));
      workerChild = await startWorkerChild({
        ...worker,
        dir: join(cwd, WORKER_DIR),
        host: args.host,
        port: args.workerPort,
        assetsDir: docs?.dir,
        vars: {
          // The worker reaches the gateway as it would reach Upstash: REST, with a token.
          UPSTASH_REDIS_REST_URL: loopbackUrl(url),
          UPSTASH_REDIS_REST_TOKEN: token,
          REDGE_TOKENS: token,
          // /docs from the assets above, not a CDN (see dev/docs-assets.ts).
          ...(docs ? { REDGE_DOCS_ASSETS_VERSION: docs.version } : {}),
        },
        onLine: (line) => context.err(`worker: ${redact(line)}`),
        signal: cancel.signal,
      });
    } catch (error) {
      if (error instanceof WorkerChildAborted) {
        await gateway.close();
        await stopChild();
        return 0;
      }
      context.err(
        error instanceof WorkerChildError ? error.message : "redge dev: cannot start the worker",
      );
      context.err("Pass --no-worker to run only Redis and the gateway.");
      await gateway.close();
      await stopChild();
      return 1;
    }
  }
  const stopWorker = async () => {
    if (workerChild) await workerChild.stop();
  };
  if (signal !== undefined) {
    await stopWorker();
    await gateway.close();
    await stopChild();
    return 0;
  }

  const redisNote = child
    ? `redis-server pid ${child.pid}, data in ${REDIS_DIR}/`
    : "from --redis / REDIS_URL";
  context.out(
    [
      "redge dev: local stack running",
      "",
      `  Redis URL:    ${redact(redisUrl)}  (${redisNote})`,
      `  Gateway URL:  ${url}`,
      ...(workerChild
        ? [
            `  Worker URL:   ${workerChild.url}  (wrangler dev: worker/adapter/cloudflare/index.ts in workerd)`,
          ]
        : []),
      `  Token:        ${token}  (${tokenNote})`,
      `  Dev mode:     ${args.allow.join(", ")} allowed (denied by default in \`redge gateway\`)`,
      allowScripts
        ? `  Scripts:      any (its Redis user ${DEV_GATEWAY_USER} is barred from denied commands)`
        : "  Scripts:      redge's own only (--redis: the gateway cannot vouch for your Redis user)",
      ...(isLoopback(args.host) ? [] : [`  Note:         listening on ${args.host}, not loopback`]),
      "",
      "Point @upstash/redis at it (e.g. in .env.local):",
      `  UPSTASH_REDIS_REST_URL=${url}`,
      `  UPSTASH_REDIS_REST_TOKEN=${token}`,
      "",
      "Try it:",
      `  curl -H "Authorization: Bearer ${token}" -d '["PING"]' ${url}/`,
      ...(workerChild
        ? [
            `  curl -H "Authorization: Bearer ${token}" -X PUT -H "content-type: application/json" -d '{"value":"hi"}' ${workerChild.url}/cache/demo/greeting`,
            `  API docs: ${workerChild.url}/docs`,
          ]
        : []),
      "",
      "Press Ctrl-C to stop.",
    ].join("\n"),
  );

  const event = await Promise.race([
    shutdown.then((s) => ({ kind: "signal" as const, signal: s })),
    ...(child ? [child.exited.then((exit) => ({ kind: "redis" as const, exit }))] : []),
    ...(workerChild
      ? [workerChild.exited.then((exit) => ({ kind: "worker" as const, exit }))]
      : []),
  ]);
  if (event.kind === "redis" && signal === undefined) {
    context.err(`redge dev: redis-server exited unexpectedly (${describeExit(event.exit)})`);
    const tail = child?.output().trim().split("\n").slice(-5).join("\n");
    if (tail) context.err(tail);
    await stopWorker();
    await gateway.close();
    return 1;
  }
  if (event.kind === "worker" && signal === undefined) {
    context.err(`redge dev: wrangler dev exited unexpectedly (${describeExit(event.exit)})`);
    await gateway.close();
    await stopChild();
    return 1;
  }
  const why = signal === "parent exit" ? "parent process exited" : `${signal ?? "signal"} received`;
  context.err(`redge dev: ${why}, shutting down`);
  // Outermost first: the worker uses the gateway, the gateway uses Redis.
  await stopWorker();
  await gateway.close();
  await stopChild();
  context.err("redge dev: stopped");
  return 0;
}

export const devCommand: Subcommand = {
  name: "dev",
  summary: "run a local Redis, the gateway and the worker for development (Ctrl-C stops all)",
  usage: USAGE,
  run,
};
