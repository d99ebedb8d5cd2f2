/**
 * What the `redge dev` tests share: waiting for the ready banner and checking that a port was
 * let go.
 */
import { connect } from "node:net";
import type { CliRun } from "./cli.js";

export interface DevBanner {
  redis: string;
  gateway: string;
  token: string;
  /** Present when the worker was started. */
  worker?: string;
}

/** Waits for the ready banner (with the worker's URL too when `worker` is set) and parses it. */
export async function devBanner(
  cli: CliRun,
  options: { timeoutMs: number; pollMs: number; worker: boolean },
): Promise<DevBanner> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const out = cli.stdout();
    const redis = /Redis URL:\s+(\S+)/.exec(out)?.[1];
    const gateway = /Gateway URL:\s+(\S+)/.exec(out)?.[1];
    const worker = /Worker URL:\s+(\S+)/.exec(out)?.[1];
    const token = /Token:\s+(\S+)/.exec(out)?.[1];
    const complete = redis && gateway && token && (worker || !options.worker);
    if (complete && out.includes("Ctrl-C")) {
      return { redis, gateway, token, ...(worker ? { worker } : {}) };
    }
    if (cli.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`redge dev did not start:\n${out}\n${cli.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
}

/** Whether nothing listens on `port` any more. */
export function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/**
 * Cleanup for a `redge dev` a test started, whatever state the test left it in: Ctrl-C first (dev
 * stops the worker, the gateway and Redis itself), SIGKILL if it does not exit within 15 s, and
 * then the redis-server child by the pid the banner printed, which a killed dev cannot stop. A
 * test that fails half-way must not leave a Redis running.
 */
export async function stopDev(cli: CliRun): Promise<void> {
  if (cli.child.exitCode === null && cli.child.signalCode === null) {
    cli.child.kill("SIGINT");
    const exited = await Promise.race([
      cli.exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000)),
    ]);
    if (!exited) cli.child.kill("SIGKILL");
  }
  const pid = Number(/redis-server pid (\d+)/.exec(cli.stdout())?.[1]);
  if (pid > 0) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone, as it should be.
    }
  }
}
