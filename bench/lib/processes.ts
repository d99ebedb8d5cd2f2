/**
 * Child processes for benchmarks: the gateway (through the real CLI) and a trivial HTTP server,
 * each in its own process as they would run in production.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "../../test/helpers/free-port.js";

export interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function waitForHttp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`child exited early: ${log().slice(-800)}`);
    try {
      await fetch(url, { method: "GET" });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`no HTTP answer from ${url}: ${log().slice(-800)}`);
}

function spawnChild(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  return { child, log: () => output };
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

/**
 * `redge gateway` started through the CLI, in front of `redisUrl`: the built bin (as users run
 * it) when `dist/` exists, else the TypeScript source through tsx. `extraArgs` go after the
 * standard ones (e.g. `--allow-scripts`). A `redisUrl` with a password goes through the
 * environment (REDIS_URL), never the command line.
 */
export async function startGatewayProcess(
  redisUrl: string,
  token: string,
  extraArgs: string[] = [],
): Promise<Child> {
  const secret = new URL(redisUrl).password !== "";
  const port = await freePort();
  const entry = existsSync("dist/cli/index.js")
    ? ["bin/redge.js"]
    : ["--import", "tsx", "cli/index.ts"];
  const { child, log } = spawnChild(
    [
      ...entry,
      "gateway",
      ...(secret ? [] : ["--redis", redisUrl]),
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--token",
      token,
      ...extraArgs,
    ],
    secret ? { REDIS_URL: redisUrl } : {},
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child, log);
  return { url, process: child, stop: stopper(child) };
}

/** The HTTP ceiling of this machine: a Node server answering a fixed `{"result":"OK"}`. */
export async function startTrivialServer(): Promise<Child> {
  const port = await freePort();
  const source = `
    const http = require("node:http");
    const body = Buffer.from('{"result":"OK"}');
    http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
        res.end(body);
      });
    }).listen(${port}, "127.0.0.1");
  `;
  const { child, log } = spawnChild(["-e", source]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, child, log);
  return { url, process: child, stop: stopper(child) };
}
