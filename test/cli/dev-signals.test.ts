/**
 * `npm run dev` stops on SIGINT, SIGTERM and SIGHUP, whether the signal goes to npm (an editor's
 * stop button), to the node process, or to the whole process group (Ctrl-C, a closed terminal),
 * and leaves no process and no bound port behind.
 *
 * npm runs the repository's own `dev` script, verbatim from package.json, in a scratch package
 * whose bin/redge.js loads the CLI from source (the real one loads the build): the script's shape
 * is what decides which process a signal reaches. `--no-worker`, but for one case: an editor's
 * stop button (SIGTERM to npm) while wrangler and workerd run; the rest of the worker's life is
 * in dev-worker.test.ts.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type CliRun, root } from "../helpers/cli.js";
import { devBanner, refuses } from "../helpers/dev-banner.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/topology/processes.js";

const script = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts.dev!;

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A package whose `dev` script is the repository's, with a bin/redge.js that runs the source. */
function shimPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), "redge-dev-signals-"));
  scratch.push(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({
      name: "redge-dev-signals",
      private: true,
      type: "module",
      scripts: { dev: script },
    }),
  );
  mkdirSync(join(dir, "bin"));
  // tsx's loader (what `node --import tsx` runs), then the CLI's source.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const cli = pathToFileURL(join(root, "cli/index.ts")).href;
  writeFileSync(
    join(dir, "bin", "redge.js"),
    `await import(${JSON.stringify(tsx)});\nawait import(${JSON.stringify(cli)});\n`,
  );
  return dir;
}

/** The environment without a developer's REDGE_/REDIS_URL settings, npm kept quiet and offline. */
const env = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(REDGE_|REDIS_URL$|PORT$|npm_)/.test(k)),
  ),
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
};

/**
 * `npm run dev -- --no-worker --port <port>` in its own process group (pgid = npm's pid); with
 * `workerPort`, the worker (wrangler and workerd) runs too.
 */
function npmRunDev(cwd: string, port: number, workerPort?: number): CliRun {
  const worker = workerPort === undefined ? ["--no-worker"] : ["--worker-port", String(workerPort)];
  const child: ChildProcess = spawn(
    "npm",
    ["run", "dev", "--", ...worker, "--port", String(port)],
    {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

interface Proc {
  pid: number;
  ppid: number;
  stat: string;
  args: string;
}

function processes(): Proc[] {
  return execFileSync("ps", ["-eo", "pid=,ppid=,stat=,args="], { encoding: "utf8" })
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), stat: m[3]!, args: m[4]! }));
}

/** `pid` and every process below it. */
function tree(pid: number): Proc[] {
  const all = processes();
  const found = all.filter((p) => p.pid === pid);
  for (let i = 0; i < found.length; i++) {
    found.push(...all.filter((p) => p.ppid === found[i]!.pid));
  }
  return found;
}

/** Which of `pids` still run (a zombie has exited: a container's PID 1 may not reap orphans). */
function alive(pids: number[]): number[] {
  const live = new Set(
    processes()
      .filter((p) => !p.stat.startsWith("Z"))
      .map((p) => p.pid),
  );
  return pids.filter((pid) => live.has(pid));
}

type Target = "npm" | "node" | "group";

describe("npm run dev stops on every shutdown signal", () => {
  const cases = (["SIGINT", "SIGTERM", "SIGHUP"] as const).flatMap((signal) =>
    (["npm", "node", "group"] as Target[]).map((target) => [signal, target] as const),
  );

  it.each(cases)(
    "%s sent to %s: nothing left running, ports free",
    async (signal, target) => {
      const cwd = shimPackage();
      const port = await freePort();
      const npm = npmRunDev(cwd, port);
      const npmPid = npm.child.pid!;
      let started: Proc[] = [];
      try {
        const shown = await devBanner(npm, { timeoutMs: 30_000, pollMs: 50, worker: false });
        const redisPort = Number(new URL(shown.redis).port);
        started = tree(npmPid);
        // npm runs node itself (the script execs it), node runs redis-server.
        const node = started.find((p) => p.ppid === npmPid);
        expect(node?.args).toMatch(/^node .*bin\/redge\.js dev/);
        const redisPid = Number(/redis-server pid (\d+)/.exec(npm.stdout())?.[1]);
        expect(started.map((p) => p.pid)).toContain(redisPid);

        if (target === "npm") process.kill(npmPid, signal);
        else if (target === "node") process.kill(node!.pid, signal);
        else process.kill(-npmPid, signal);

        const pids = started.map((p) => p.pid);
        await waitFor("every process of npm run dev to exit", async () =>
          alive(pids).length === 0 ? true : undefined,
        );
        await npm.exited;
        expect(await refuses(port)).toBe(true);
        expect(await refuses(redisPort)).toBe(true);
        // The graceful path ran (a second, forced exit would not print "stopped").
        expect(npm.stderr()).toMatch(/redge dev: .*, shutting down/);
        expect(npm.stderr()).toMatch(/redge dev: stopped/);
      } finally {
        for (const pid of alive(started.map((p) => p.pid))) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Gone meanwhile.
          }
        }
        if (npm.child.exitCode === null && npm.child.signalCode === null) npm.child.kill("SIGKILL");
      }
    },
    60_000,
  );

  it("SIGTERM sent to npm while the worker runs: wrangler and workerd stop too", async () => {
    const cwd = shimPackage();
    const [port, workerPort] = [await freePort(), await freePort()];
    const npm = npmRunDev(cwd, port, workerPort);
    const npmPid = npm.child.pid!;
    let started: Proc[] = [];
    try {
      const shown = await devBanner(npm, { timeoutMs: 60_000, pollMs: 50, worker: true });
      started = tree(npmPid);
      expect(started.some((p) => /wrangler/.test(p.args))).toBe(true);
      expect(started.some((p) => /workerd/.test(p.args))).toBe(true);

      process.kill(npmPid, "SIGTERM");
      const pids = started.map((p) => p.pid);
      await waitFor("every process of npm run dev to exit", async () =>
        alive(pids).length === 0 ? true : undefined,
      );
      await npm.exited;
      for (const p of [port, workerPort, Number(new URL(shown.redis).port)]) {
        expect(await refuses(p)).toBe(true);
      }
      expect(npm.stderr()).toMatch(/redge dev: stopped/);
    } finally {
      for (const pid of alive(started.map((p) => p.pid))) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Gone meanwhile.
        }
      }
      if (npm.child.exitCode === null && npm.child.signalCode === null) npm.child.kill("SIGKILL");
    }
  }, 90_000);
});
