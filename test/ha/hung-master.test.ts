/**
 * A Sentinel-managed master that stops answering (SIGSTOP) while its socket stays open, so
 * neither TCP nor keep-alive notice (the kernel still ACKs): calls must fail with a TimeoutError
 * after the configured command timeout instead of hanging, and succeed again once it answers —
 * whether it comes back itself (SIGCONT) or the Sentinels replace it. (Standalone servers are
 * covered in test/resilience/faults.test.ts.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { createNodeClient, type HealthCheckReport, TimeoutError } from "../../src/node.js";
import { ask } from "../helpers/topology/ask.js";
import { waitFor } from "../helpers/topology/processes.js";
import { type SentinelTopology, startSentinelTopology } from "../helpers/topology/sentinel.js";

const COMMAND_TIMEOUT_MS = 500;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

async function setup(downAfterMs: number) {
  const topology = await startSentinelTopology({ downAfterMs });
  cleanup.push(() => topology.stop());
  const reports: HealthCheckReport[] = [];
  const client = createNodeClient({
    sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    connectTimeoutMs: 1_000,
    healthCheckIntervalMs: 250,
    onHealthCheck: (r) => reports.push(r),
  });
  cleanup.push(() => client.close());
  // No health check: its calls time out on the command timeout alone.
  const plain = createNodeClient({
    sentinel: { sentinels: topology.sentinels, masterName: topology.masterName },
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    connectTimeoutMs: 1_000,
    healthCheckIntervalMs: 0,
  });
  cleanup.push(() => plain.close());
  return { topology, client, plain, reports };
}

/** Runs `call` and returns its error and how long it took to fail. */
async function timed(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

async function stopMaster(topology: SentinelTopology) {
  const master = await topology.masterNode();
  master.signal("SIGSTOP");
  cleanup.push(async () => master.signal("SIGCONT"));
  return master;
}

describe("hung Sentinel master", () => {
  it("times out within the command timeout, recovers after SIGCONT", async () => {
    // down-after 10 s: the Sentinels leave the master alone for this test's short stop.
    const { topology, client, plain, reports } = await setup(10_000);
    const run = Math.random().toString(36).slice(2, 8);
    expect(await client.command(["SET", `hung:${run}`, "0"])).toBe("OK");
    expect(await plain.command(["GET", `hung:${run}`])).toBe("0");
    const master = await stopMaster(topology);

    // A write that may have run is not retried; a read is retried up to the policy, so its
    // retries are turned off here to time one attempt. Without a health check the command
    // timeout alone ends them.
    const [write, read, checked] = await Promise.all([
      timed(() => plain.command(["INCR", `hung:${run}`], { idempotent: false })),
      timed(() => plain.command(["GET", `hung:${run}`], { retry: false })),
      // With the health check (250 ms, probe timeout 250 ms) the hung link may be dropped before
      // the command timeout: the call still fails as a timeout, possibly sooner.
      timed(() => client.command(["INCR", `hung:${run}`], { idempotent: false })),
    ]);
    for (const { error, ms } of [write, read]) {
      expect(error).toBeInstanceOf(TimeoutError);
      expect(ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);
    }
    expect(checked.error).toBeInstanceOf(TimeoutError);
    expect(checked.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);
    console.log(
      `hung master: TimeoutError after ${Math.round(write.ms)} ms (write), ${Math.round(read.ms)} ms (read); command timeout ${COMMAND_TIMEOUT_MS} ms; ${Math.round(checked.ms)} ms with the health check`,
    );
    // The periodic check saw the hang and dropped the connection.
    await waitFor("a failed health check", async () =>
      reports.some((r) => !r.ok && r.reconnected) ? true : undefined,
    );

    master.signal("SIGCONT");
    const value = await waitFor(
      "calls to succeed again",
      () => client.command<string>(["GET", `hung:${run}`], { timeoutMs: 1_000 }),
      10_000,
    );
    // Each INCR may have run once the server woke up; neither was repeated.
    expect(Number(value)).toBeLessThanOrEqual(2);
    expect(await client.health()).toMatchObject({ ok: true, role: "master" });
    expect(await plain.command(["GET", `hung:${run}`], { timeoutMs: 1_000 })).toBe(value);
  });

  it("times out while hung, then follows the Sentinels to a new master", async () => {
    const { topology, client, plain } = await setup(1_000);
    expect(await plain.command(["PING"])).toBe("PONG");
    const master = await stopMaster(topology);
    const { error, ms } = await timed(() => plain.command(["PING"], { retry: false }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_000);

    // Still stopped: the health check drops the hung connection, the Sentinels elect a
    // replica, and the client reaches it without a restart.
    const next = await topology.waitForNewMaster(master.port);
    await waitFor(
      "a write on the new master",
      () => client.command(["SET", "after-hang", "1"], { timeoutMs: 1_000 }),
      15_000,
    );
    expect(await ask(next.port, "GET", "after-hang")).toBe("1");
    expect(await client.health()).toMatchObject({ ok: true, role: "master", address: next });
  });
});
