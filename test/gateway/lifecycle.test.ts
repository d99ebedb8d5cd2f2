/**
 * The gateway against its own redis-server (so it may sleep, flush or kill it): allowed commands,
 * timeouts, a connection lost mid-command, graceful shutdown, and Redis instances it does not own.
 */
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../src/gateway/index.js";
import { startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

// DEBUG SLEEP makes Redis slow on demand; Redis 7 only accepts DEBUG when enabled.
const DEBUG = ["--enable-debug-command", "yes"];

let server: RunningRedis;
beforeAll(async () => {
  server = await startRedisServer({ args: DEBUG });
});
afterAll(async () => {
  await server?.stop();
});

function post(url: string, token: string, body: unknown, path = "/") {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

describe("gateway lifecycle", () => {
  it("runs denied commands the operator allowed", async () => {
    const gateway = await startGateway({
      redisUrl: server.url,
      allow: ["FLUSHDB", "KEYS"],
      readOnlyTokens: ["reader-token"],
    });
    try {
      await post(gateway.url, gateway.token, ["SET", "allowed:k", "v"]);
      const keys = await post(gateway.url, "reader-token", ["KEYS", "allowed:*"]);
      expect(await keys.json()).toEqual({ result: ["allowed:k"] });
      const flush = await post(gateway.url, gateway.token, ["FLUSHDB"]);
      expect(await flush.json()).toEqual({ result: "OK" });
      expect(
        (await post(gateway.url, gateway.token, ["DBSIZE"]).then((r) => r.json())).result,
      ).toBe(0);
      expect((await post(gateway.url, gateway.token, ["FLUSHALL"])).status).toBe(400);
    } finally {
      await gateway.close();
    }
  });

  it("answers 503 TIMEOUT when Redis does not answer within commandTimeoutMs", async () => {
    const gateway = await startGateway({
      redisUrl: server.url,
      allow: ["DEBUG"],
      commandTimeoutMs: 200,
    });
    try {
      const started = Date.now();
      // Redis sleeps 2 s: an answer before that came from the 200 ms timeout, however loaded the
      // machine is (a bound just above the timeout would fail under load).
      const reply = await post(gateway.url, gateway.token, ["DEBUG", "SLEEP", "2"]);
      expect(reply.status).toBe(503);
      expect(reply.headers.get("retry-after")).toBe("1");
      expect(await reply.json()).toEqual({ error: "TIMEOUT Redis did not answer within 200 ms" });
      expect(Date.now() - started).toBeLessThan(1_800);
    } finally {
      await gateway.close();
    }
  });

  it("answers 503 CONNLOST when the connection breaks after the command was sent", async () => {
    const doomed = await startRedisServer({ args: DEBUG });
    const gateway = await startGateway({ redisUrl: doomed.url, allow: ["DEBUG"] });
    try {
      expect((await post(gateway.url, gateway.token, ["PING"])).status).toBe(200);
      const pending = post(gateway.url, gateway.token, ["DEBUG", "SLEEP", "5"]);
      await new Promise((r) => setTimeout(r, 100));
      const exited = new Promise((r) => doomed.process.once("exit", r));
      doomed.process.kill("SIGKILL");
      await exited;
      const reply = await pending;
      expect(reply.status).toBe(503);
      expect((await reply.json()).error).toMatch(/^CONNLOST/);
      // Redis is gone now: nothing can be sent, so the next request certainly did not run.
      const next = await post(gateway.url, gateway.token, ["INCR", "k"]);
      expect(next.status).toBe(503);
      expect((await next.json()).error).toMatch(/^UNAVAILABLE/);
    } finally {
      await gateway.close();
      // Not doomed.stop(): it waits for an exit that already happened (killed by a signal).
      if (doomed.process.exitCode === null && doomed.process.signalCode === null) {
        doomed.process.kill("SIGKILL");
      }
    }
  });

  it("recovers by itself when Redis comes back", async () => {
    const flaky = await startRedisServer();
    const gateway = await startGateway({ redisUrl: flaky.url });
    let revived: RunningRedis | undefined;
    try {
      expect((await post(gateway.url, gateway.token, ["PING"])).status).toBe(200);
      await flaky.stop();
      expect((await post(gateway.url, gateway.token, ["PING"])).status).toBe(503);
      revived = await startRedisServer({ port: flaky.port });
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await post(gateway.url, gateway.token, ["PING"])).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toBe(200);
    } finally {
      await gateway.close();
      await revived?.stop();
    }
  });

  it("closes gracefully: in-flight requests finish, then connections close", async () => {
    const gateway = createGateway({
      redis: server.url,
      tokens: ["close-token"],
      allow: ["DEBUG"],
      shutdownTimeoutMs: 3_000,
    });
    const { url } = await gateway.listen({ port: 0 });
    const gatewayConnections = async () => {
      const direct = new IORedis(server.url);
      const list = String(await direct.client("LIST"));
      direct.disconnect();
      return list.split("\n").filter((line) => line.includes("name=redge-gateway")).length;
    };
    // Open a transaction connection too, so close() has to release the pool as well.
    await post(url, "close-token", [["INCR", "close:n"]], "/multi-exec");
    expect(await gatewayConnections()).toBe(2);
    const inFlight = post(url, "close-token", ["DEBUG", "SLEEP", "0.3"]);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await gateway.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ result: "OK" });
    await expect(post(url, "close-token", ["PING"])).rejects.toThrow();
    // The shared and the transaction connection are gone.
    await new Promise((r) => setTimeout(r, 50));
    expect(await gatewayConnections()).toBe(0);
  });

  it("serves through fetch alone, and leaves a caller's ioredis instance open", async () => {
    const own = new IORedis(server.url);
    const gateway = createGateway({ redis: own, tokens: ["fetch-token"] });
    const response = await gateway.fetch(
      new Request("http://gateway.local/", {
        method: "POST",
        headers: { authorization: "Bearer fetch-token", "upstash-encoding": "base64" },
        body: JSON.stringify(["ECHO", "hi"]),
      }),
    );
    expect(await response.json()).toEqual({ result: Buffer.from("hi").toString("base64") });
    await gateway.close();
    expect(await own.ping()).toBe("PONG");
    own.disconnect();
  });
});

describe("gateway Redis replies", () => {
  it("keeps integers beyond 2^53 exact", async () => {
    const gateway = await startGateway({ redisUrl: server.url });
    try {
      await post(gateway.url, gateway.token, ["SET", "big:n", "9007199254740992"]);
      const reply = await post(gateway.url, gateway.token, ["INCR", "big:n"]);
      expect(await reply.json()).toEqual({ result: "9007199254740993" });
      const small = await post(gateway.url, gateway.token, ["INCR", "big:small"]);
      expect(await small.json()).toEqual({ result: 1 });
    } finally {
      await gateway.close();
    }
  });

  it("answers 503, not 400, when the gateway's own Redis password is wrong", async () => {
    // Started open (the helper's readiness probe sends a bare PING), then locked.
    const locked = await startRedisServer();
    const admin = new IORedis(locked.url);
    await admin.config("SET", "requirepass", "right-password");
    admin.disconnect();
    const gateway = await startGateway({
      redisUrl: `redis://:wrong-password@127.0.0.1:${locked.port}`,
    });
    try {
      const reply = await post(gateway.url, gateway.token, ["GET", "k"]);
      expect(reply.status).toBe(503);
      const text = await reply.text();
      expect(text).toMatch(/cannot authenticate/);
      expect(text).not.toMatch(/password@|wrong-password|right-password/);
    } finally {
      await gateway.close();
      await locked.stop();
    }
  });
});
