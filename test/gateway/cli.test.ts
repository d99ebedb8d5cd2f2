import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { describe, expect, inject, it } from "vitest";
import { parseGatewayArgs } from "../../cli/gateway.js";
import { createScriptUser } from "../helpers/acl.js";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/free-port.js";
import { startRedisServer } from "../helpers/redis-server.js";

const _root = fileURLToPath(new URL("../..", import.meta.url));

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

async function waitFor(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("redge CLI", () => {
  it("runs the gateway until SIGTERM, never printing the token", async () => {
    const token = `cli-${randomUUID()}`;
    const readToken = `cli-ro-${randomUUID()}`;
    const port = await freePort();
    const cli = run(
      [
        "gateway",
        "--redis",
        inject("redisUrl"),
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--token",
        token,
      ],
      { REDGE_READ_TOKENS: readToken },
    );
    try {
      await waitFor(() => cli.stdout().includes("listening on"), "the gateway to listen");
      const url = `http://127.0.0.1:${port}`;
      expect(cli.stdout()).toContain(url);

      const redis = new Redis({ url, token });
      const key = `cli:${randomUUID()}`;
      expect(await redis.set(key, "from the cli")).toBe("OK");
      expect(await redis.get(key)).toBe("from the cli");
      expect(await new Redis({ url, token: readToken }).get(key)).toBe("from the cli");

      const wrong = await fetch(`${url}/`, {
        method: "POST",
        headers: { authorization: "Bearer wrong" },
        body: JSON.stringify(["GET", key]),
      });
      expect(wrong.status).toBe(401);

      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
      expect(cli.stderr()).toMatch(/SIGTERM received/);
      for (const output of [cli.stdout(), cli.stderr()]) {
        expect(output).not.toContain(token);
        expect(output).not.toContain(readToken);
      }
    } finally {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
    }
  });

  it("prints usage with --help and exits 0", async () => {
    const top = run(["--help"]);
    const sub = run(["gateway", "--help"]);
    expect(await top.exited).toBe(0);
    expect(top.stdout()).toMatch(/Usage: redge <command>/);
    expect(top.stdout()).toMatch(/gateway/);
    expect(await sub.exited).toBe(0);
    expect(sub.stdout()).toMatch(/--read-token/);
  });

  it("exits 2 with a clear message when no token is given", async () => {
    const cli = run(["gateway", "--redis", inject("redisUrl"), "--port", String(await freePort())]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/no token/);
  });
});

describe("redge gateway and the Redis password", () => {
  it("takes it from a file or REDIS_PASSWORD, never needing it on the command line", () => {
    const dir = mkdtempSync(join(tmpdir(), "redge-pw-"));
    const file = join(dir, "password");
    writeFileSync(file, "file-s3cret\n", { mode: 0o600 });
    try {
      expect(
        parseGatewayArgs(["--token", "t", "--redis-password-file", file], {
          REDIS_URL: "redis://10.0.0.1:6380",
        }),
      ).toMatchObject({ args: { redis: "redis://:file-s3cret@10.0.0.1:6380" } });
      expect(
        parseGatewayArgs(["--token", "t"], {
          REDIS_URL: "redis://app@10.0.0.1:6380",
          REDIS_PASSWORD: "env s3cret",
        }),
      ).toMatchObject({ args: { redis: "redis://app:env%20s3cret@10.0.0.1:6380" } });
      expect(
        parseGatewayArgs(["--token", "t", "--sentinel", "s1", "--master", "m"], {
          REDIS_PASSWORD_FILE: file,
        }),
      ).toMatchObject({ args: { redis: { password: "file-s3cret" } } });
      const missing = parseGatewayArgs(
        ["--token", "t", "--redis-password-file", `${file}.nope`],
        {},
      );
      expect(missing).toEqual({ error: "cannot read the Redis password file (ENOENT)" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("warns about a password in --redis and hides it from the process list", async () => {
    const port = await freePort();
    const url = new URL(inject("redisUrl"));
    url.username = "default";
    url.password = "visible-s3cret";
    const token = `cli-${randomUUID()}`;
    // The test server has no password, so AUTH fails; the gateway still starts and listens.
    const cli = run(["gateway", "--redis", url.toString(), "--port", String(port)], {
      REDGE_TOKENS: token,
    });
    try {
      await waitFor(() => cli.stdout().includes("listening on"), "the gateway to listen");
      expect(cli.stderr()).toMatch(/visible to every user of this machine/);
      const cmdline = readFileSync(`/proc/${cli.child.pid}/cmdline`, "utf8");
      expect(cmdline).not.toContain("visible-s3cret");
      expect(cli.stdout() + cli.stderr()).not.toContain("visible-s3cret");
    } finally {
      cli.child.kill("SIGKILL");
      await cli.exited;
    }
  });
});

describe("redge gateway --allow-scripts", () => {
  it("refuses to serve with a Redis user that may run denied commands, printing the ACL line", async () => {
    const cli = run(
      [
        "gateway",
        "--redis",
        inject("redisUrl"),
        "--port",
        String(await freePort()),
        "--allow-scripts",
      ],
      { REDGE_TOKENS: `cli-${randomUUID()}` },
    );
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toMatch(/refusing to serve/);
    expect(cli.stderr()).toMatch(/may run commands the gateway denies.*FLUSHALL/s);
    expect(cli.stderr()).toMatch(
      /ACL SETUSER redge-gateway on ><password> ~\* &\* \+@all -@dangerous -@admin -select -move/,
    );
  });

  it("serves with the user that line creates", async () => {
    const server = await startRedisServer();
    const port = await freePort();
    const userUrl = await createScriptUser(server.url);
    const token = `cli-${randomUUID()}`;
    const cli = run(["gateway", "--port", String(port)], {
      REDIS_URL: userUrl,
      REDGE_TOKENS: token,
      REDGE_ALLOW_SCRIPTS: "1",
    });
    try {
      await waitFor(() => cli.stdout().includes("listening on"), "the gateway to listen");
      const client = new Redis({ url: `http://127.0.0.1:${port}`, token });
      expect(await client.eval("return ARGV[1]", [], ["any script"])).toBe("any script");
      await waitFor(
        () => /barred from the \d+ denied commands/.test(cli.stderr()),
        "the ACL check",
      );
      await expect(client.eval("return redis.call('FLUSHALL')", [], [])).rejects.toThrow(
        /can't run this command|NOPERM/,
      );
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
      await server.stop();
    }
  });
});

describe("redge gateway arguments", () => {
  it("reads options from the environment, options winning", () => {
    const parsed = parseGatewayArgs(
      ["--port", "9000", "--allow", "FLUSHDB,KEYS", "--allow", "SCRIPT FLUSH"],
      {
        REDGE_PORT: "1234",
        REDIS_URL: "redis://10.0.0.1:6380",
        REDGE_TOKENS: "a, b",
        REDGE_READ_TOKENS: "r",
        REDGE_ALLOW: "IGNORED",
        REDGE_MAX_BODY_BYTES: "2048",
      },
    );
    expect(parsed).toEqual({
      args: {
        redis: "redis://10.0.0.1:6380",
        port: 9000,
        host: "127.0.0.1",
        tokens: ["a", "b"],
        readOnlyTokens: ["r"],
        allow: ["FLUSHDB", "KEYS", "SCRIPT FLUSH"],
        allowQueryToken: false,
        allowScripts: false,
        scripts: [],
        maxBodyBytes: 2048,
        passwordOnCommandLine: false,
      },
    });
    expect(parseGatewayArgs(["--token", "t"], { PORT: "7000" })).toMatchObject({
      args: { port: 7000 },
    });
  });

  it("rejects bad values without echoing stray arguments", () => {
    expect(parseGatewayArgs(["--token", "t", "--port", "http"], {})).toEqual({
      error: "--port must be an integer between 0 and 65535",
    });
    const stray = parseGatewayArgs(["--token", "t", "s3cret-stray"], {});
    expect(stray).toMatchObject({ error: expect.any(String) });
    expect(JSON.stringify(stray)).not.toContain("s3cret-stray");
    expect(parseGatewayArgs(["--nope"], {})).toMatchObject({
      error: expect.stringMatching(/nope/),
    });
  });
});
