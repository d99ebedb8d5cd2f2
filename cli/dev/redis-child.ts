/**
 * A `redis-server` child process for `redge dev`: on a free loopback port (never 6379), bound to
 * 127.0.0.1, with its data in a directory of the project (append-only file on, RDB snapshots off)
 * so local data survives restarts.
 *
 * The child runs in its own process group: Ctrl-C in a terminal signals the whole foreground
 * group, and `redge dev` wants to be the one that stops Redis (after closing the gateway), not to
 * see it die under its feet.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join, resolve } from "node:path";

export const REDIS_INSTALL_HINT =
  "redge dev: redis-server not found. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`), set REDIS_SERVER_BIN to its path, or set REDIS_URL to use a Redis you already run.";

/** How long to wait for `redis-server` to answer PING after it is started. */
const START_TIMEOUT_MS = 10_000;
/** How long `stop()` waits after SIGTERM before sending SIGKILL. */
const STOP_GRACE_MS = 5_000;

/**
 * The `redis-server` executable to run (`REDIS_SERVER_BIN`, else `redis-server` from PATH), or
 * `undefined` when it cannot be run.
 */
export function findRedisServer(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const bin = env.REDIS_SERVER_BIN || "redis-server";
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 5_000 });
  return probe.error || probe.status !== 0 ? undefined : bin;
}

/** A free TCP port on 127.0.0.1, never 6379 (a developer's own Redis may want it). */
export async function freeLoopbackPort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.unref();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const p = typeof address === "object" && address ? address.port : 0;
        server.close(() => resolvePort(p));
      });
    });
    if (port !== 6379 && port !== 0) return port;
  }
}

export interface RedisExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RedisChild {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (no password: it only listens on loopback). */
  readonly url: string;
  readonly pid: number;
  /** Resolves when the process exits, for whatever reason. */
  readonly exited: Promise<RedisExit>;
  /** The last lines the server wrote, for error messages. */
  output(): string;
  /** SIGTERM (Redis flushes its append-only file and exits), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface StartRedisChildOptions {
  bin: string;
  /** Data directory (created if missing); the AOF and the pid file go there. */
  dir: string;
}

/** Thrown when the child cannot be started; the message is meant for the user. */
export class RedisChildError extends Error {}

/**
 * Starts `redis-server` and resolves once it answers PING. Refuses to start when another
 * redis-server still uses the data directory (e.g. left behind by a `redge dev` that was killed),
 * since two servers appending to one file would corrupt it.
 */
export async function startRedisChild(options: StartRedisChildOptions): Promise<RedisChild> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, "redis.pid");
  const stale = runningPid(pidFile);
  if (stale !== undefined) {
    throw new RedisChildError(
      `redge dev: a redis-server (pid ${stale}) is still using ${options.dir}; is another \`redge dev\` running? Stop it (or \`kill ${stale}\`) and try again.`,
    );
  }
  rmSync(pidFile, { force: true });

  // The port is free when probed but may be taken before Redis binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await spawnOn(options.bin, dir, pidFile, port);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= 3) throw error;
    }
  }
}

class PortTaken extends Error {}

async function spawnOn(
  bin: string,
  dir: string,
  pidFile: string,
  port: number,
): Promise<RedisChild> {
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--save",
    "",
    "--pidfile",
    pidFile,
    "--daemonize",
    "no",
  ];
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  } catch {
    throw new RedisChildError(REDIS_INSTALL_HINT);
  }
  let output = "";
  const keep = (chunk: unknown) => {
    output = (output + String(chunk)).slice(-4_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exitInfo: RedisExit | undefined;
  const exited = new Promise<RedisExit>((resolveExit) => {
    child.once("error", () => {
      exitInfo ??= { code: null, signal: null };
      resolveExit(exitInfo);
    });
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolveExit(exitInfo);
    });
  });
  // If this process ends without stopping the child (a second Ctrl-C, an uncaught error), still
  // ask Redis to shut down cleanly rather than leave it running.
  const onExit = () => {
    if (exitInfo === undefined) child.kill("SIGTERM");
  };
  process.once("exit", onExit);
  void exited.then(() => process.off("exit", onExit));

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exitInfo !== undefined) {
      if (/address already in use/i.test(output)) throw new PortTaken();
      throw new RedisChildError(
        `redge dev: redis-server exited during startup (${describeExit(exitInfo)}):\n${output.trim().split("\n").slice(-5).join("\n")}`,
      );
    }
    if (await answersPing(port)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await exited;
      throw new RedisChildError(`redge dev: redis-server did not start on port ${port} in time`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    exited,
    output: () => output,
    stop() {
      stopping ??= (async () => {
        if (exitInfo !== undefined) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export function describeExit(exit: RedisExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? "could not run" : `exit code ${exit.code}`;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(String(d).startsWith("+PONG")));
    socket.once("error", () => done(false));
  });
}

/** The pid in a Redis pid file if that process is alive and (where we can tell) a redis-server. */
function runningPid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    // Gone (ESRCH), or another user's process (EPERM), so not a server `redge dev` started.
    return undefined;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return /redis/i.test(cmdline) ? pid : undefined;
  } catch {
    // No /proc (macOS): trust the live pid.
    return pid;
  }
}
