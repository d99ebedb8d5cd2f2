/**
 * Starts real `redis-server` processes for tests: on a free loopback port, no persistence,
 * stopped by pid afterwards. Used by the global setup and by topology tests.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./free-port.js";

export interface RunningRedis {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export const INSTALL_HINT =
  "redis-server not found: install it (Debian/Ubuntu: `apt-get install -y redis-server`, macOS: `brew install redis`) or set REDIS_SERVER_BIN to its path";

export function redisServerBin(): string {
  const bin = process.env.REDIS_SERVER_BIN || "redis-server";
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
  return bin;
}

export interface StartRedisOptions {
  port?: number;
  /** Extra `--name value` arguments, e.g. `["--appendonly", "yes"]`. */
  args?: string[];
  /** Working directory (for AOF/cluster files); defaults to the process cwd with no persistence. */
  dir?: string;
}

export async function startRedisServer(options: StartRedisOptions = {}): Promise<RunningRedis> {
  const bin = redisServerBin();
  const port = options.port ?? (await freePort());
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "no",
    ...(options.dir ? ["--dir", options.dir] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  await waitForPort(port, child, () => output);
  let stopped = false;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (stopped || child.exitCode !== null || child.signalCode !== null) return;
      stopped = true;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with ${child.exitCode}: ${output().slice(-500)}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.write("PING\r\n");
      });
      socket.once("data", (d) => {
        socket.destroy();
        resolve(String(d).startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not start on port ${port}: ${output().slice(-500)}`);
}
