import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parseDevArgs } from "../../cli/dev.js";
import { runCli } from "../helpers/cli.js";
import { devBanner, refuses, stopDev } from "../helpers/dev-banner.js";
import { freePort } from "../helpers/free-port.js";

const _root = fileURLToPath(new URL("../..", import.meta.url));

const scratch: string[] = [];
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "redge-dev-"));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** `redge dev` without the worker: these tests are about Redis and the gateway (the worker's own are below). */
const run = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  runCli(args[0] === "dev" && !args.includes("--help") ? [...args, "--no-worker"] : args, {
    cwd,
    env,
  });

const kill = stopDev;

describe("redge dev", () => {
  it("runs redis + gateway, keeps token and data across restarts, stops on SIGINT", async () => {
    const cwd = scratchDir();
    const port = await freePort();
    const key = `dev:${randomUUID()}`;

    const first = run(["dev", "--port", String(port)], cwd);
    let redisPort: number;
    let token: string;
    try {
      const shown = await devBanner(first, { timeoutMs: 15_000, pollMs: 25, worker: false });
      token = shown.token;
      expect(shown.gateway).toBe(`http://127.0.0.1:${port}`);
      redisPort = Number(new URL(shown.redis).port);
      expect(redisPort).not.toBe(6379);
      expect(first.stdout()).toContain(`UPSTASH_REDIS_REST_URL=${shown.gateway}`);
      expect(first.stdout()).toContain(`UPSTASH_REDIS_REST_TOKEN=${token}`);
      expect(first.stdout()).toMatch(/curl .*\["PING"\]/);

      const tokenFile = join(cwd, ".redge/dev-token");
      expect(readFileSync(tokenFile, "utf8").trim()).toBe(token);
      expect(statSync(tokenFile).mode & 0o077).toBe(0);
      expect(existsSync(join(cwd, ".redge/redis/appendonlydir"))).toBe(true);

      const redis = new Redis({ url: shown.gateway, token });
      expect(await redis.set(key, "kept")).toBe("OK");
      expect(await redis.get(key)).toBe("kept");
      // Dev mode allows KEYS (denied by default by the gateway).
      expect(await redis.keys(`${key}*`)).toEqual([key]);
      // ...and any script, as a Redis user barred from what the gateway denies.
      expect(await redis.createScript<string>("return ARGV[1]").exec([], ["scripted"])).toBe(
        "scripted",
      );
      await expect(redis.eval("return redis.call('FLUSHALL')", [], [])).rejects.toThrow(
        /can't run this command/,
      );
      expect(first.stdout()).toMatch(/Scripts: +any/);

      // The printed curl line, as curl sends it (form content type).
      const ping = await fetch(`${shown.gateway}/`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: '["PING"]',
      });
      expect(await ping.json()).toEqual({ result: "PONG" });

      first.child.kill("SIGINT");
      expect(await first.exited).toBe(0);
      expect(first.stderr()).toMatch(/SIGINT received/);
      expect(await refuses(redisPort)).toBe(true);
    } finally {
      await kill(first);
    }

    const second = run(["dev", "--port", String(port)], cwd);
    try {
      const shown = await devBanner(second, { timeoutMs: 15_000, pollMs: 25, worker: false });
      expect(shown.token).toBe(token);
      expect(second.stdout()).toMatch(/reused from \.redge\/dev-token/);
      // The append-only file brought the data back.
      expect(await new Redis({ url: shown.gateway, token }).get(key)).toBe("kept");
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
      expect(await refuses(Number(new URL(shown.redis).port))).toBe(true);
    } finally {
      await kill(second);
    }
  });

  it("uses REDIS_URL when set, starting no redis-server and never printing its password", async () => {
    const cwd = scratchDir();
    const port = await freePort();
    const testRedis = new URL(inject("redisUrl"));
    const password = `pw-${randomUUID()}`;
    // The test server has no password: Redis answers AUTH with an error that ioredis ignores.
    const redisUrl = `redis://:${password}@${testRedis.host}`;
    const token = `tok-${randomUUID()}`;
    const cli = run(["dev", "--port", String(port)], cwd, {
      REDIS_URL: redisUrl,
      REDGE_TOKENS: token,
      REDIS_SERVER_BIN: "/nonexistent/redis-server",
    });
    try {
      const shown = await devBanner(cli, { timeoutMs: 15_000, pollMs: 25, worker: false });
      expect(shown.token).toBe(token);
      expect(shown.redis).toMatch(/^redis:\/\/\S*\*\*\*@/);
      expect(shown.redis).toContain(`@${testRedis.host}`);
      expect(existsSync(join(cwd, ".redge/redis"))).toBe(false);
      expect(existsSync(join(cwd, ".redge/dev-token"))).toBe(false);

      const redis = new Redis({ url: shown.gateway, token });
      const key = `dev:${randomUUID()}`;
      expect(await redis.set(key, "shared")).toBe("OK");
      expect(await redis.get(key)).toBe("shared");

      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
      expect(cli.stdout() + cli.stderr()).not.toContain(password);
    } finally {
      await kill(cli);
    }
  });

  it("exits 1 with the install hint when redis-server is missing", async () => {
    const cwd = scratchDir();
    const cli = run(["dev", "--port", String(await freePort())], cwd, {
      REDIS_SERVER_BIN: "/nonexistent/redis-server",
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/redis-server not found/);
    expect(cli.stderr()).toMatch(/apt-get install redis-server/);
    expect(cli.stderr()).toMatch(/brew install redis/);
    expect(cli.stderr()).toMatch(/REDIS_URL/);
    expect(existsSync(join(cwd, ".redge"))).toBe(false);
  });

  it("exits 1 when the gateway port is taken, before starting anything", async () => {
    const cwd = scratchDir();
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => {
        const address = blocker.address();
        resolve(typeof address === "object" && address ? address.port : 0);
      }),
    );
    try {
      const cli = run(["dev", "--port", String(port)], cwd);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(existsSync(join(cwd, ".redge"))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("exits 1 when the redis child dies unexpectedly", async () => {
    const cwd = scratchDir();
    const cli = run(["dev", "--port", String(await freePort())], cwd);
    try {
      await devBanner(cli, { timeoutMs: 15_000, pollMs: 25, worker: false });
      const pid = Number(/redis-server pid (\d+)/.exec(cli.stdout())?.[1]);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, "SIGKILL");
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toMatch(/redis-server exited unexpectedly \(signal SIGKILL\)/);
    } finally {
      await kill(cli);
    }
  });

  it("documents its flags in --help and is listed by redge --help", async () => {
    const cwd = scratchDir();
    const sub = run(["dev", "--help"], cwd);
    const top = run(["--help"], cwd);
    expect(await sub.exited).toBe(0);
    for (const flag of ["--redis", "--port", "--host", "--token", "--allow", "REDIS_SERVER_BIN"]) {
      expect(sub.stdout()).toContain(flag);
    }
    expect(await top.exited).toBe(0);
    expect(top.stdout()).toMatch(/^\s+dev\s/m);
    expect(existsSync(join(cwd, ".redge"))).toBe(false);
  });
});

describe("redge dev arguments", () => {
  it("reads options from the environment, options winning", () => {
    expect(parseDevArgs([], {})).toEqual({
      args: {
        redis: undefined,
        port: 8079,
        host: "127.0.0.1",
        tokens: [],
        allow: ["KEYS", "FLUSHDB"],
        worker: true,
        workerPort: 8787,
      },
    });
    expect(
      parseDevArgs(["--port", "9000", "--allow", "SCRIPT FLUSH,keys"], {
        REDGE_PORT: "1234",
        PORT: "3000",
        REDIS_URL: "redis://10.0.0.1:6380",
        REDGE_TOKENS: "a, b",
      }),
    ).toEqual({
      args: {
        redis: "redis://10.0.0.1:6380",
        port: 9000,
        host: "127.0.0.1",
        tokens: ["a", "b"],
        allow: ["KEYS", "FLUSHDB", "SCRIPT FLUSH"],
        worker: true,
        workerPort: 8787,
      },
    });
    // PORT belongs to the app being developed, not to the gateway; an empty REDIS_URL is unset.
    expect(parseDevArgs([], { PORT: "3000", REDIS_URL: "" })).toMatchObject({
      args: { port: 8079, redis: undefined },
    });
  });

  it("rejects bad values without echoing stray arguments", () => {
    expect(parseDevArgs(["--port", "http"], {})).toEqual({
      error: "--port must be an integer between 0 and 65535",
    });
    expect(parseDevArgs([], { REDGE_PORT: "70000" })).toEqual({
      error: "--port must be an integer between 0 and 65535",
    });
    const stray = parseDevArgs(["s3cret-stray"], {});
    expect(JSON.stringify(stray)).not.toContain("s3cret-stray");
    expect(stray).toMatchObject({ error: expect.any(String) });
  });
});
