/**
 * `redge serve`: the app on Node over TCP, as a real process from the CLI.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { describeRedis, parseServeArgs } from "../../cli/serve.js";
import { type CliRun, runCli } from "../helpers/cli.js";
import { expectDocsServedLocally } from "../helpers/docs-page.js";
import { freePort } from "../helpers/free-port.js";
import { fourCalls } from "../worker/four-calls.js";

async function listening(cli: CliRun): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const url = /listening on (http:\/\/\S+)/.exec(cli.stdout())?.[1];
    if (url) return url;
    if (cli.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`redge serve did not start:\n${cli.stdout()}\n${cli.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("redge serve", () => {
  it("serves the four calls over TCP, never prints a token, stops on SIGTERM", async () => {
    const token = `serve-${crypto.randomUUID()}`;
    const readToken = `read-${crypto.randomUUID()}`;
    const port = await freePort();
    const cli = runCli(["serve", "--redis", inject("redisUrl"), "--port", String(port)], {
      env: { REDGE_TOKENS: token, REDGE_READ_TOKENS: readToken },
    });
    try {
      const url = await listening(cli);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(cli.stdout()).toContain(`-> ${inject("redisUrl")}`);
      expect(cli.stdout()).toMatch(/1 read-write, 1 read-only token\)/);
      await fourCalls((path, init) => fetch(`${url}${path}`, init), token, inject("redisUrl"));
      // The read-only token reads but may not write.
      const write = await fetch(`${url}/cache/serve/x`, {
        method: "PUT",
        headers: { authorization: `Bearer ${readToken}`, "content-type": "application/json" },
        body: JSON.stringify({ value: 1 }),
      });
      expect(write.status).toBe(403);
      // /docs needs no network: Swagger UI comes from the server itself.
      await expectDocsServedLocally(url);

      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
      expect(cli.stderr()).toMatch(/SIGTERM received, shutting down/);
      expect(cli.stderr()).toMatch(/stopped/);
      const output = cli.stdout() + cli.stderr();
      expect(output).not.toContain(token);
      expect(output).not.toContain(readToken);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
    }
  });

  it("warns about a password in --redis and hides it from the process list", async () => {
    const port = await freePort();
    const url = new URL(inject("redisUrl"));
    url.username = "default";
    url.password = "visible-s3cret";
    const token = `serve-${randomUUID()}`;
    // The test server has no password, so AUTH fails; the server still starts and listens.
    const cli = runCli(["serve", "--redis", url.toString(), "--port", String(port)], {
      env: { REDGE_TOKENS: token },
    });
    try {
      await listening(cli);
      expect(cli.stderr()).toMatch(/visible to every user of this machine/);
      const cmdline = readFileSync(`/proc/${cli.child.pid}/cmdline`, "utf8");
      expect(cmdline).not.toContain("visible-s3cret");
      expect(cmdline).toContain("redge serve");
      expect(cli.stdout() + cli.stderr()).not.toContain("visible-s3cret");
      expect(cli.stdout() + cli.stderr()).not.toContain(token);
    } finally {
      cli.child.kill("SIGKILL");
      await cli.exited;
    }
  });

  it("reads REDIS_URL and PORT from the environment", async () => {
    const port = await freePort();
    const cli = runCli(["serve"], {
      env: { REDIS_URL: inject("redisUrl"), PORT: String(port), REDGE_TOKENS: "t1,t2" },
    });
    try {
      const url = await listening(cli);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(cli.stdout()).toMatch(/2 read-write, 0 read-only tokens/);
      const health = await fetch(`${url}/health`);
      expect(await health.json()).toMatchObject({ ok: true });
      cli.child.kill("SIGINT");
      expect(await cli.exited).toBe(0);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
    }
  });

  it("documents its flags in --help and is listed by redge --help", async () => {
    const sub = runCli(["serve", "--help"]);
    const top = runCli(["--help"]);
    expect(await sub.exited).toBe(0);
    for (const flag of ["--redis", "--port", "--host", "--token", "--read-token", "REDGE_TOKENS"]) {
      expect(sub.stdout()).toContain(flag);
    }
    expect(await top.exited).toBe(0);
    expect(top.stdout()).toMatch(/^\s+serve\s/m);
  });

  it("exits 2 on bad usage without echoing what was typed", async () => {
    const noToken = runCli(["serve", "--redis", inject("redisUrl")]);
    expect(await noToken.exited).toBe(2);
    expect(noToken.stderr()).toMatch(/no token: pass --token/);

    const stray = runCli(["serve", "s3cret-stray-value", "--token", "t"]);
    expect(await stray.exited).toBe(2);
    expect(stray.stderr()).toMatch(/unexpected argument/);
    expect(stray.stderr()).not.toContain("s3cret-stray-value");

    const password = `pw-${crypto.randomUUID()}`;
    const badUrl = runCli(["serve", "--token", "t", "--redis", `ftp://u:${password}@host`]);
    expect(await badUrl.exited).toBe(2);
    expect(badUrl.stderr()).toMatch(/REDIS_URL/);
    expect(badUrl.stderr()).not.toContain(password);
  });

  it("exits 1 when the port is taken", async () => {
    const first = runCli(["serve", "--redis", inject("redisUrl"), "--port", "0", "--token", "t"]);
    try {
      const url = await listening(first);
      const taken = runCli(["serve", "--redis", inject("redisUrl"), "--port", new URL(url).port], {
        env: { REDGE_TOKENS: "t" },
      });
      expect(await taken.exited).toBe(1);
      expect(taken.stderr()).toMatch(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    } finally {
      first.child.kill("SIGKILL");
    }
  });
});

describe("redge serve arguments", () => {
  it("takes options over the environment, with the documented fallbacks", () => {
    const fromEnv = parseServeArgs([], {
      REDIS_URL: "redis://10.0.0.1:6380/2",
      PORT: "3000",
      REDGE_TOKENS: " a , b ,",
      REDGE_READ_TOKENS: "r",
      REDGE_MAX_BODY_BYTES: "2048",
    });
    expect(fromEnv).toMatchObject({
      args: {
        redis: { kind: "tcp", mode: "standalone", host: "10.0.0.1", port: 6380, db: 2 },
        port: 3000,
        host: "127.0.0.1",
        tokens: ["a", "b"],
        readOnlyTokens: ["r"],
        maxBodyBytes: 2048,
      },
    });
    const fromArgs = parseServeArgs(
      ["--redis", "redis://127.0.0.1:7000", "-p", "9000", "--host", "0.0.0.0", "--token", "x"],
      { REDIS_URL: "redis://10.0.0.1:6380", REDGE_PORT: "1", PORT: "2", REDGE_TOKENS: "a" },
    );
    expect(fromArgs).toMatchObject({
      args: {
        redis: { host: "127.0.0.1", port: 7000 },
        port: 9000,
        host: "0.0.0.0",
        tokens: ["x"],
      },
    });
    // Nothing set: the local default, port 8080.
    expect(parseServeArgs(["--token", "t"], {})).toMatchObject({
      args: { redis: { host: "127.0.0.1", port: 6379 }, port: 8080 },
    });
    // --redis wins over a Sentinel setup in the environment instead of conflicting with it.
    expect(
      parseServeArgs(["--redis", "redis://h:1", "--token", "t"], {
        REDIS_SENTINELS: "s:26379",
        REDIS_SENTINEL_MASTER: "m",
      }),
    ).toMatchObject({ args: { redis: { mode: "standalone", host: "h", port: 1 } } });
    // Without --redis, configFromEnv decides: Sentinel here.
    expect(
      parseServeArgs(["--token", "t"], {
        REDIS_SENTINELS: "s1,s2:26380",
        REDIS_SENTINEL_MASTER: "m",
      }),
    ).toMatchObject({ args: { redis: { mode: "sentinel", masterName: "m" } } });
  });

  it("rejects bad values with a message naming the option", () => {
    expect(parseServeArgs(["--token", "t", "--port", "http"], {})).toEqual({
      error: "--port must be an integer between 0 and 65535",
    });
    expect(parseServeArgs(["--token", "t", "--max-body-bytes", "0"], {})).toEqual({
      error: "--max-body-bytes must be an integer between 1 and 2147483648",
    });
    expect(parseServeArgs(["--token", "t", "--redis", "https://x.upstash.io"], {})).toMatchObject({
      error: expect.stringMatching(/REDIS_URL/),
    });
  });

  it("takes the Redis password from a file or REDIS_PASSWORD, never needing the command line", () => {
    const dir = mkdtempSync(join(tmpdir(), "redge-serve-pw-"));
    const file = join(dir, "password");
    writeFileSync(file, "file-s3cret\n", { mode: 0o600 });
    try {
      expect(
        parseServeArgs(["--token", "t", "--redis-password-file", file], {
          REDIS_URL: "redis://10.0.0.1:6380",
        }),
      ).toMatchObject({
        args: {
          redis: { host: "10.0.0.1", password: "file-s3cret" },
          passwordOnCommandLine: false,
        },
      });
      expect(
        parseServeArgs(["--token", "t"], {
          REDIS_URL: "redis://app@10.0.0.1:6380",
          REDIS_PASSWORD: "env s3cret",
        }),
      ).toMatchObject({ args: { redis: { username: "app", password: "env s3cret" } } });
      expect(
        parseServeArgs(["--token", "t"], { REDIS_PASSWORD_FILE: file, REDIS_PASSWORD: "env" }),
      ).toMatchObject({ args: { redis: { password: "file-s3cret" } } });
      const missing = parseServeArgs(["--token", "t", "--redis-password-file", `${file}.nope`], {});
      expect(missing).toEqual({ error: "cannot read the Redis password file (ENOENT)" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("describes where it connects without a password", () => {
    const parsed = parseServeArgs(
      ["--token", "t", "--redis", "redis://:hunter2@10.1.1.1:6390"],
      {},
    );
    if (!("args" in parsed)) throw new Error("expected args");
    expect(describeRedis(parsed.args.redis)).toBe("redis://10.1.1.1:6390");
  });
});
