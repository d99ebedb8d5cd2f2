/**
 * TCP keep-alive of the TCP transport's connections, seen where it takes effect: the kernel's
 * keep-alive timer on the client's socket to the test's redis-server (`/proc/net/tcp`, Linux),
 * and the arguments the socket's `setKeepAlive` received. The socket is found by asking Redis
 * which address this connection comes from (CLIENT INFO).
 */
import { existsSync, readFileSync } from "node:fs";
import { Socket } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { ConfigError, type RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { keepAliveSupport } from "../../src/transport/ioredis/keep-alive.js";

const PROC = "/proc/net/tcp";
const clients: RedgeClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function open(options: Record<string, unknown>): RedgeClient {
  const client = createNodeClient({ url: inject("redisUrl"), ...options });
  clients.push(client);
  return client;
}

/** The local port of `client`'s connection, as Redis sees it. */
async function localPort(client: RedgeClient): Promise<number> {
  const info = String(await client.command(["CLIENT", "INFO"]));
  const port = /\baddr=[^ ]*:(\d+)\b/.exec(info)?.[1];
  if (!port) throw new Error(`no addr in CLIENT INFO: ${info}`);
  return Number(port);
}

/** The socket's kernel timer: which one runs ("02" is keep-alive) and seconds until it fires. */
function kernelTimer(port: number): { timer: string; seconds: number } | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync(PROC, "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hex}`) && fields[3] === "01") {
      const [timer = "", when = "0"] = (fields[5] ?? "").split(":");
      return { timer, seconds: Number.parseInt(when, 16) / 100 }; // USER_HZ = 100
    }
  }
  return undefined;
}

/** Records setKeepAlive calls on sockets while `run` runs. */
async function recordingKeepAlive<T>(run: () => Promise<T>): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  const original = Socket.prototype.setKeepAlive;
  Socket.prototype.setKeepAlive = function (this: Socket, ...args: unknown[]) {
    calls.push(args);
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  };
  try {
    await run();
  } finally {
    Socket.prototype.setKeepAlive = original;
  }
  return calls;
}

describe.runIf(existsSync(PROC))("TCP keep-alive, as the kernel sees it", () => {
  it("is on by default (first probe after 10 s idle)", async () => {
    const client = open({});
    const timer = kernelTimer(await localPort(client));
    expect(timer?.timer).toBe("02");
    expect(timer?.seconds).toBeLessThanOrEqual(10);
  });

  it("keepAlive.idleMs sets the idle time (the seeds' socket_keep_idle)", async () => {
    const client = open({ keepAlive: { idleMs: 600_000 } });
    const timer = kernelTimer(await localPort(client));
    expect(timer?.timer).toBe("02");
    // Ten minutes, give or take however long this machine took to get here.
    expect(timer?.seconds).toBeLessThanOrEqual(600);
    expect(timer?.seconds).toBeGreaterThan(300);
  });

  it("keepAlive: false turns it off (socket_keepalive=False)", async () => {
    const client = open({ keepAlive: false });
    const timer = kernelTimer(await localPort(client));
    expect(timer).toBeDefined();
    expect(timer?.timer).not.toBe("02");
  });
});

describe("TCP keep-alive settings", () => {
  it("passes the idle time to every socket, and interval and count where Node can set them", async () => {
    const idleOnly = await recordingKeepAlive(async () => {
      await open({ keepAlive: { idleMs: 45_000 } }).command(["PING"]);
    });
    expect(idleOnly).toContainEqual([true, 45_000]);

    if (keepAliveSupport.probeSettings) {
      const probes = await recordingKeepAlive(async () => {
        await open({ keepAlive: { idleMs: 30_000, intervalMs: 5_000, count: 3 } }).command([
          "PING",
        ]);
      });
      expect(probes).toContainEqual([true, 30_000, 5_000, 3]);
    } else {
      // This Node fixes interval and count (1 s, 10 probes): asking is a ConfigError, not a
      // setting silently ignored.
      let error: unknown;
      try {
        open({ keepAlive: { intervalMs: 5_000, count: 3 } });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
        "keepAlive.intervalMs",
        "keepAlive.count",
      ]);
      expect((error as ConfigError).message).toMatch(/cannot set it.*healthCheckIntervalMs/);
      // The wiring for a Node that can: each socket gets all four values once connected.
      keepAliveSupport.probeSettings = true;
      try {
        const probes = await recordingKeepAlive(async () => {
          await open({ keepAlive: { idleMs: 30_000, intervalMs: 5_000, count: 3 } }).command([
            "PING",
          ]);
        });
        expect(probes).toContainEqual([true, 30_000, 5_000, 3]);
      } finally {
        keepAliveSupport.probeSettings = false;
      }
    }
  });

  it("is validated with the field named, and is TCP only", () => {
    const issues = (input: Record<string, unknown>) => {
      try {
        createNodeClient(input as never);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues.map((i) => i.path);
      }
      throw new Error("accepted");
    };
    expect(issues({ host: "h", keepAlive: { idleMs: 10 } })).toEqual(["keepAlive.idleMs"]);
    expect(issues({ host: "h", keepAlive: { count: 0 } })).toEqual(["keepAlive.count"]);
    expect(issues({ host: "h", keepAlive: { idle: 1 } })).toEqual(["keepAlive.idle"]);
    expect(issues({ host: "h", keepAlive: "yes" })).toEqual(["keepAlive"]);
    expect(issues({ url: "https://x.upstash.io", token: "t", keepAlive: true })).toEqual([
      "keepAlive",
    ]);
  });
});
