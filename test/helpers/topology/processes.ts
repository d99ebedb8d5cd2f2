/**
 * redis-server processes for topology tests: started on free loopback ports with their files in a
 * temp dir, stopped by pid. Every process is also killed when the test process exits, so a failed
 * or interrupted test never leaves servers behind (the normal path is `stop()` in afterAll).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../free-port.js";
import { redisServerBin } from "../redis-server.js";

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooked = false;

/** Kills every process still running, synchronously (the only thing an "exit" hook may do). */
function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGCONT"); // a SIGSTOPped process would hold on to its port otherwise
      child.kill("SIGKILL");
    } catch {}
  }
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/** Kills `child` when the test process exits, unless it exited before. */
export function track(child: ChildProcess): void {
  hookExit();
  live.add(child);
  child.once("exit", () => live.delete(child));
}

/** A temp dir under os.tmpdir(), removed when the process exits (or by `removeTempDir`). */
export function tempDir(label: string): string {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), `redge-${label}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

export interface ManagedRedis {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT) to the process. */
  signal(signal: NodeJS.Signals): void;
  /** Whether the process is still running. */
  readonly running: boolean;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGCONT + SIGTERM, SIGKILL after 3 s; resolves once it exited. Safe to call twice. */
  stop(): Promise<void>;
  /** Starts a new process with the same arguments on the same port (after a kill). */
  restart(): Promise<ManagedRedis>;
}

export interface SpawnRedisOptions {
  port?: number;
  dir: string;
  /** A config file, passed first (Sentinel needs one it can rewrite). */
  configFile?: string;
  /** Extra arguments after the defaults; later ones win (`--appendonly yes`). */
  args?: string[];
  /** Start as a Sentinel. */
  sentinel?: boolean;
}

export async function spawnRedis(options: SpawnRedisOptions): Promise<ManagedRedis> {
  const port = options.port ?? (await freePort());
  const args = [
    ...(options.configFile ? [options.configFile] : []),
    ...(options.sentinel ? ["--sentinel"] : []),
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--protected-mode",
    "no",
    "--dir",
    options.dir,
    ...(options.sentinel ? [] : ["--save", "", "--appendonly", "no"]),
    ...(options.args ?? []),
  ];
  const child = spawn(redisServerBin(), args, { stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let output = "";
  const collect = (d: unknown) => {
    output = (output + String(d)).slice(-4_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  await waitForPing(port, child, () => output);

  const managed: ManagedRedis = {
    host: "127.0.0.1",
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    exited,
    async stop() {
      if (!managed.running) return;
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
    restart: () => spawnRedis({ ...options, port }),
  };
  return managed;
}

/** Waits until the server on `port` answers PING (a Sentinel answers it too). */
async function waitForPing(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with ${child.exitCode}: ${output()}`);
    }
    if (await pings(port)) return;
    await sleep(30);
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port}: ${output()}`);
}

function pings(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      socket.destroy();
      resolve(String(d).startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Like Promise.all, but waits for every start to settle before rejecting, so a caller's stop()
 * in a catch block sees every process its siblings started (Promise.all would reject at the
 * first failure while others are still starting, and those would outlive the cleanup).
 */
export async function allSettledOrThrow<T>(starts: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}
