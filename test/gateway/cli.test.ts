import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { describe, expect, inject, it } from "vitest";
import { parseGatewayArgs } from "../../src/cli/gateway.js";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/free-port.js";

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
        maxBodyBytes: 2048,
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
