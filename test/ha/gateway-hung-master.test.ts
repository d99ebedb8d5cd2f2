/**
 * The gateway in front of Sentinel when the master hangs (SIGSTOP: its socket stays open, no
 * error, and Sentinel's failover sends nothing the hung server could act on). The gateway's
 * periodic health check must drop the hung connection: requests get 503 (with Retry-After) during
 * the hang instead of hanging, and once the Sentinels promote the replica the gateway serves
 * again from it, without a restart.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { ask } from "../helpers/topology/ask.js";
import { waitFor } from "../helpers/topology/processes.js";
import { type SentinelTopology, startSentinelTopology } from "../helpers/topology/sentinel.js";

const COMMAND_TIMEOUT_MS = 500;
let topology: SentinelTopology;
let gateway: RunningGateway;

beforeAll(async () => {
  topology = await startSentinelTopology({ replicas: 1, sentinels: 1 });
  gateway = await startGateway({
    redisUrl: { sentinel: { sentinels: topology.sentinels, masterName: topology.masterName } },
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    healthCheckIntervalMs: 250,
  });
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  await topology?.stop();
});

async function post(command: string[]): Promise<{ status: number; ms: number; body: unknown }> {
  const started = performance.now();
  const response = await fetch(gateway.url, {
    method: "POST",
    headers: { authorization: `Bearer ${gateway.token}`, "content-type": "application/json" },
    body: JSON.stringify(command),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  const retryAfter = response.headers.get("retry-after");
  if (response.status === 503) expect(retryAfter).toBeTruthy();
  return { status: response.status, ms: performance.now() - started, body };
}

describe("gateway in front of Sentinel, hung master", () => {
  it("answers 503 during the hang and serves from the promoted replica afterwards", async () => {
    const key = `gw-hung:${randomUUID()}`;
    expect((await post(["SET", key, "before"])).status).toBe(200);
    const old = await topology.masterNode();
    old.signal("SIGSTOP");
    const stoppedAt = performance.now();

    // During the hang: 503s, each within the command timeout plus a margin, never a hang.
    const during = await post(["SET", key, "during"]);
    expect(during.status).toBe(503);
    expect(during.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);

    const statuses: number[] = [during.status];
    const next = await topology.waitForNewMaster(old.port, 20_000);
    const served = await waitFor(
      "the gateway to serve from the new master",
      async () => {
        const reply = await post(["SET", key, "after"]);
        statuses.push(reply.status);
        expect(reply.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);
        return reply.status === 200 ? performance.now() : undefined;
      },
      15_000,
      100,
    );
    console.log(
      `gateway, hung master: served again ${Math.round(served - stoppedAt)} ms after SIGSTOP ` +
        `(${statuses.filter((s) => s === 503).length} requests answered 503 meanwhile)`,
    );
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    // The old master is still stopped: the write went to the promoted replica.
    expect(old.running).toBe(true);
    expect(await ask(next.port, "GET", key)).toBe("after");
    expect(await post(["GET", key])).toMatchObject({ status: 200, body: { result: "after" } });
  }, 45_000);
});
