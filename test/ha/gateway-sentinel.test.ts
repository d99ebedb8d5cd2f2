/**
 * The gateway in front of Sentinel: the official @upstash/redis client keeps being served across
 * a failover (errors during the switch are counted; afterwards it serves again, no restart), a
 * planned failover, a SIGKILL of the master and a replica promoted by hand lose (almost) no
 * acknowledged write, the CLI's --sentinel/--master and
 * --cluster flags, and their validation.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGatewayArgs } from "../../cli/gateway.js";
import { createGateway } from "../../src/gateway/index.js";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/free-port.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { ask } from "../helpers/topology/ask.js";
import { runFailover } from "../helpers/topology/failover-load.js";
import { sleep, waitFor } from "../helpers/topology/processes.js";
import { type SentinelTopology, startSentinelTopology } from "../helpers/topology/sentinel.js";

let topology: SentinelTopology;
let gateway: RunningGateway;

beforeAll(async () => {
  topology = await startSentinelTopology();
  gateway = await startGateway({
    redisUrl: { sentinel: { sentinels: topology.sentinels, masterName: topology.masterName } },
    commandTimeoutMs: 1_000,
  });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  await topology?.stop();
});

describe("gateway in front of Sentinel", () => {
  it("keeps serving @upstash/redis across a failover (SIGKILL of the master)", async () => {
    // No client-side retries: every error during the switch is seen and counted.
    const redis = new Redis({ url: gateway.url, token: gateway.token, retry: false });
    const key = `gw-ha:${randomUUID()}`;
    let acknowledged = 0;
    let errors = 0;
    let killedAt = 0;
    let firstAfterKill = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const startedAt = performance.now();
        try {
          await redis.incr(key);
          acknowledged++;
          if (killedAt && startedAt >= killedAt && !firstAfterKill) {
            firstAfterKill = performance.now();
          }
        } catch {
          errors++;
          await sleep(50);
        }
      }
    })();

    let next: { port: number };
    // Whatever fails below, the request loop stops (finally).
    try {
      await sleep(500);
      const old = await topology.masterNode();
      killedAt = performance.now();
      old.signal("SIGKILL");
      next = await topology.waitForNewMaster(old.port);
      await waitFor("a request served after the failover", async () =>
        firstAfterKill ? true : undefined,
      );
      await sleep(300);
    } finally {
      stop = true;
      await loop;
    }
    console.log(
      `gateway failover: served again ${Math.round(firstAfterKill - killedAt)} ms after SIGKILL; ` +
        `${errors} failed requests during the switch, ${acknowledged} acknowledged`,
    );
    expect(errors).toBeGreaterThan(0); // the switch was seen, not skipped
    expect(firstAfterKill - killedAt).toBeLessThan(10_000);
    // Served by the new master, without a restart of the gateway.
    expect(await redis.set(`${key}:after`, "yes")).toBe("OK");
    expect(await ask(next.port, "GET", `${key}:after`)).toBe("yes");
  }, 60_000);

  it("runs from the CLI with --sentinel and --master", async () => {
    const token = `cli-${randomUUID()}`;
    const port = await freePort();
    const sentinels = topology.sentinels.map((s) => `${s.host}:${s.port}`).join(",");
    const cli = runCli([
      "gateway",
      "--sentinel",
      sentinels,
      "--master",
      topology.masterName,
      "--port",
      String(port),
      "--token",
      token,
    ]);
    try {
      await waitFor("the gateway to listen", async () =>
        cli.stdout().includes("listening on") ? true : undefined,
      );
      expect(cli.stdout()).toContain(`Sentinel master ${topology.masterName}`);
      const redis = new Redis({ url: `http://127.0.0.1:${port}`, token });
      expect(await redis.set("cli-sentinel", "1")).toBe("OK");
      expect(await ask((await topology.master()).port, "GET", "cli-sentinel")).toBe("1");
      expect(cli.stdout() + cli.stderr()).not.toContain(token);
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  }, 30_000);
});

describe("gateway in front of Sentinel, acknowledged writes across a change of master", () => {
  it("moves to the new master at once: acknowledged RPUSHes are not lost", async () => {
    // SENTINEL FAILOVER with the old master alive; without following the Sentinels' announcement
    // the gateway kept writing to it until it became a replica, and lost ~90 % of the run.
    const result = await runFailover({ trigger: "failover", via: "gateway" });
    console.log(
      `gateway, planned failover: ${result.lost} of ${result.acknowledged} acknowledged writes lost; ` +
        `${result.failedTotal} failed requests; converted after ${result.convertedMs} ms`,
    );
    expect(result.newMaster).not.toBe(result.oldMaster);
    expect(result.acknowledged).toBeGreaterThan(500);
    // Target ≤ 1 % (bench/ha); the bound leaves room for a busy core.
    expect(result.lost / result.acknowledged).toBeLessThanOrEqual(0.03);
  }, 90_000);

  it("SIGKILL of the master: acknowledged RPUSHes within the same bound", async () => {
    const result = await runFailover({ trigger: "kill", via: "gateway" });
    console.log(
      `gateway, SIGKILL: ${result.lost} of ${result.acknowledged} acknowledged writes lost; ` +
        `${result.failedTotal} failed requests; switch after ${result.sentinelSwitchMs} ms`,
    );
    expect(result.newMaster).not.toBe(result.oldMaster);
    expect(result.acknowledged).toBeGreaterThan(500);
    expect(result.lost / result.acknowledged).toBeLessThanOrEqual(0.03);
  }, 90_000);

  it("a replica promoted by hand: writes stay on the Sentinels' master, nothing lost", async () => {
    const result = await runFailover({ trigger: "promote", via: "gateway" });
    console.log(
      `gateway, replica promoted by hand: ${result.lost} of ${result.acknowledged} acknowledged ` +
        `writes lost; ${result.failedTotal} failed requests`,
    );
    expect(result.newMaster).toBe(result.oldMaster);
    expect(result.acknowledged).toBeGreaterThan(500);
    expect(result.lost).toBe(0);
  }, 90_000);
});

describe("gateway topology options", () => {
  const base = ["--token", "t"];

  it("parses --sentinel/--master and --cluster, and their environment variables", () => {
    expect(
      parseGatewayArgs([...base, "--sentinel", "10.0.0.1:26380,10.0.0.2", "--master", "m"], {}),
    ).toMatchObject({
      args: {
        redis: {
          sentinel: {
            sentinels: [
              { host: "10.0.0.1", port: 26380 },
              { host: "10.0.0.2", port: 26379 },
            ],
            masterName: "m",
          },
        },
      },
    });
    expect(parseGatewayArgs([...base, "--cluster", "a:7000,b"], {})).toMatchObject({
      args: {
        redis: {
          cluster: {
            nodes: [
              { host: "a", port: 7000 },
              { host: "b", port: 6379 },
            ],
          },
        },
      },
    });
    const fromEnv = parseGatewayArgs(base, {
      REDIS_SENTINELS: "s1:1,s2:2",
      REDIS_SENTINEL_MASTER: "mm",
      REDIS_SENTINEL_PASSWORD: "sentinel-secret",
      REDIS_PASSWORD: "data-secret",
    });
    expect(fromEnv).toMatchObject({
      args: {
        redis: {
          sentinel: { masterName: "mm", sentinelPassword: "sentinel-secret" },
          password: "data-secret",
        },
      },
    });
    expect(parseGatewayArgs(base, { REDIS_CLUSTER_NODES: "c:1" })).toMatchObject({
      args: { redis: { cluster: { nodes: [{ host: "c", port: 1 }] } } },
    });
  });

  it("rejects conflicting or incomplete topology options with a usage error", () => {
    const error = (argv: string[], env = {}) =>
      (parseGatewayArgs([...base, ...argv], env) as { error?: string }).error;
    expect(error(["--sentinel", "a:1"])).toMatch(/--master/);
    expect(error(["--sentinel", "a:1", "--master", "m", "--cluster", "b:2"])).toMatch(/one of/);
    expect(error(["--redis", "redis://x", "--cluster", "b:2"])).toMatch(/one of/);
    expect(error(["--master", "m"])).toMatch(/only used with --sentinel/);
    expect(error(["--cluster", "a:99999"])).toMatch(/--cluster: entry 1/);
    expect(error(["--cluster", " , "])).toMatch(/at least one/);
    expect(error([], { REDIS_SENTINELS: "a", REDIS_CLUSTER_NODES: "b" })).toMatch(/choose one/);
  });

  it("createGateway validates a Sentinel/Cluster source, naming fields under redis.", () => {
    expect(() =>
      createGateway({ redis: { sentinel: { sentinels: [], masterName: "" } }, tokens: ["t"] }),
    ).toThrow(/redis\.sentinel\.sentinels.*redis\.sentinel\.masterName|redis\.sentinel/);
    expect(() =>
      createGateway({ redis: { cluster: { nodes: [{ host: "a", port: 0 }] } }, tokens: ["t"] }),
    ).toThrow(/redis\.cluster\.nodes\.0\.port/);
    expect(() =>
      createGateway({
        redis: { cluster: { nodes: [{ host: "a", port: 1 }] }, password: "p4ss-w0rd", bogus: 1 },
        tokens: ["t"],
      } as never),
    ).toThrow(/redis\.bogus/);
  });
});
