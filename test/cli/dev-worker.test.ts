/**
 * `redge dev` with the worker: the full stack (redis-server child, gateway, `wrangler dev` running
 * worker/adapter/cloudflare/index.ts in workerd) started for real, a real request through the worker URL, and
 * Ctrl-C leaving no process behind. The Redis/gateway half is covered in dev.test.ts.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDevArgs } from "../../cli/dev.js";
import { runCli } from "../helpers/cli.js";
import { devBanner, refuses, stopDev } from "../helpers/dev-banner.js";
import { expectDocsServedLocally } from "../helpers/docs-page.js";
import { freePort } from "../helpers/free-port.js";
import { fourCalls } from "../worker/four-calls.js";

const scratch: string[] = [];
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "redge-dev-worker-"));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Process-group ids of processes whose command line mentions `text`. */
function groupsMentioning(text: string): Set<number> {
  const ps = execFileSync("ps", ["-eo", "pgid=,args="], { encoding: "utf8" });
  return new Set(
    ps
      .split("\n")
      .filter((line) => line.includes(text))
      .map((line) => Number(line.trim().split(/\s+/, 1)[0])),
  );
}

/**
 * How many processes of a group are still running. Zombies do not count: they have exited, and
 * in a container whose PID 1 does not reap, children re-parented to it stay listed as such.
 */
function liveMembersOf(pgid: number): number {
  const ps = execFileSync("ps", ["-eo", "pgid=,stat="], { encoding: "utf8" });
  return ps
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([group, stat]) => Number(group) === pgid && !stat?.startsWith("Z")).length;
}

/** Whether a process runs (a zombie has exited). */
function running(pid: number): boolean {
  const ps = execFileSync("ps", ["-eo", "pid=,stat="], { encoding: "utf8" });
  return ps
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .some(([p, stat]) => Number(p) === pid && !stat?.startsWith("Z"));
}

describe("redge dev with the worker", () => {
  it("starts redis, gateway and worker; the worker serves the app; Ctrl-C stops all three", async () => {
    const cwd = scratchDir();
    const [port, workerPort] = [await freePort(), await freePort()];
    const cli = runCli(["dev", "--port", String(port), "--worker-port", String(workerPort)], {
      cwd,
    });
    try {
      const shown = await devBanner(cli, { timeoutMs: 60_000, pollMs: 50, worker: true });
      expect(shown.gateway).toBe(`http://127.0.0.1:${port}`);
      expect(shown.worker).toBe(`http://127.0.0.1:${workerPort}`);
      expect(readFileSync(join(cwd, ".redge/dev-token"), "utf8").trim()).toBe(shown.token);

      // The generated config names the entry; the variables are owner-only and not in argv.
      const config = readFileSync(join(cwd, ".redge/worker/wrangler.toml"), "utf8");
      expect(config).toMatch(/^main = ".*worker\/adapter\/cloudflare\/index\.(ts|js)"$/m);
      const vars = join(cwd, ".redge/worker/.dev.vars");
      expect(statSync(vars).mode & 0o077).toBe(0);
      expect(readFileSync(vars, "utf8")).toContain(`UPSTASH_REDIS_REST_URL="${shown.gateway}"`);
      const workerGroups = groupsMentioning(join(cwd, ".redge/worker/wrangler.toml"));
      expect(workerGroups.size).toBe(1);
      const ps = execFileSync("ps", ["-eo", "args="], { encoding: "utf8" });
      expect(ps).not.toContain(shown.token);

      // Real requests through workerd → gateway → redis-server.
      await fourCalls(
        (path, init) => fetch(`${shown.worker}${path}`, init),
        shown.token,
        shown.redis,
      );

      // /docs works offline: wrangler serves Swagger UI's files from .redge/worker/assets/.
      await expectDocsServedLocally(shown.worker!, { platform: true });

      cli.child.kill("SIGINT");
      expect(await cli.exited).toBe(0);
      expect(cli.stderr()).toMatch(/SIGINT received/);
      expect(await refuses(workerPort)).toBe(true);
      expect(await refuses(port)).toBe(true);
      expect(await refuses(Number(new URL(shown.redis).port))).toBe(true);
      // No orphan: wrangler's whole group (its node child, esbuild, workerd) is gone.
      for (const pgid of workerGroups) expect(liveMembersOf(pgid)).toBe(0);
    } finally {
      await stopDev(cli);
      for (const pgid of groupsMentioning(join(cwd, ".redge/worker"))) {
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
  }, 90_000);

  it("stops cleanly on Ctrl-C while the worker is still starting", async () => {
    const cwd = scratchDir();
    const cli = runCli(
      ["dev", "--port", String(await freePort()), "--worker-port", String(await freePort())],
      { cwd },
    );
    const config = join(cwd, ".redge/worker/wrangler.toml");
    try {
      // Wait for wrangler to be running (its config is generated just before it is spawned).
      const deadline = Date.now() + 30_000;
      let groups = new Set<number>();
      while (groups.size === 0) {
        if (cli.child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`wrangler never started:\n${cli.stdout()}\n${cli.stderr()}`);
        }
        await new Promise((r) => setTimeout(r, 50));
        groups = groupsMentioning(config);
      }
      const redisPid = Number(readFileSync(join(cwd, ".redge/redis/redis.pid"), "utf8"));
      expect(running(redisPid)).toBe(true);
      cli.child.kill("SIGINT");
      expect(await cli.exited).toBe(0);
      expect(cli.stdout()).not.toMatch(/Worker URL/);
      for (const pgid of groups) expect(liveMembersOf(pgid)).toBe(0);
      // Redis (started before the worker) is stopped too.
      expect(running(redisPid)).toBe(false);
    } finally {
      await stopDev(cli);
      for (const pgid of groupsMentioning(config)) {
        try {
          process.kill(-pgid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
  }, 60_000);

  it("exits 1 when the worker port is taken, before starting anything", async () => {
    const cwd = scratchDir();
    const blocker: Server = createServer();
    const workerPort = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => {
        const address = blocker.address();
        resolve(typeof address === "object" && address ? address.port : 0);
      }),
    );
    try {
      const cli = runCli(
        ["dev", "--port", String(await freePort()), "--worker-port", String(workerPort)],
        { cwd },
      );
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toMatch(new RegExp(`worker port ${workerPort} .* already in use`));
      expect(cli.stderr()).toMatch(/--no-worker/);
      expect(existsSync(join(cwd, ".redge"))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("reads --worker-port / --no-worker and their variables", () => {
    expect(parseDevArgs([], {})).toMatchObject({ args: { worker: true, workerPort: 8787 } });
    expect(parseDevArgs(["--no-worker", "--worker-port", "9999"], {})).toMatchObject({
      args: { worker: false, workerPort: 9999 },
    });
    expect(parseDevArgs([], { REDGE_NO_WORKER: "1", REDGE_WORKER_PORT: "8800" })).toMatchObject({
      args: { worker: false, workerPort: 8800 },
    });
    expect(parseDevArgs(["--worker-port", "0"], {})).toEqual({
      error: "--worker-port must be an integer between 1 and 65535",
    });
    expect(parseDevArgs(["--worker-port", "x"], {})).toEqual({
      error: "--worker-port must be an integer between 1 and 65535",
    });
  });
});
