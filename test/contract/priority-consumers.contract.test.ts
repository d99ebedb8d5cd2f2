/**
 * Contract: a priority stream's limits hold exactly across concurrent consumers, each with its own
 * client (connection, or HTTP agent through the gateway), over TCP and over REST, and on a Cluster;
 * consumers that crash while holding leases (clients closed, a process killed) lose nothing: their
 * items come back once the leases run out (by the server's clock) and count the attempt.
 *
 * The figures these tests measure (most items held at once, most items taken in any window) are
 * printed, as the exactness figures of the limits.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { priorityStream } from "../../src/priority/index.js";
import { serverMs, untilServerTime } from "./server-time.js";
import { describeTransports } from "./transports.js";

const CONSUMERS = 8;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeTransports("priority stream consumers", (t) => {
  let counter = 0;
  const fresh = (label: string) => t.key(`psc-${label}-${++counter}`);
  const consumers = () => Array.from({ length: CONSUMERS }, () => t.makeClient());

  it(`concurrency: ${CONSUMERS} consumers never hold more than the limit, and reach it`, async () => {
    const name = fresh("concurrency");
    const LIMIT = 5;
    const ITEMS = 120;
    const setup = priorityStream(t.client, name);
    await setup.addMany(
      Array.from({ length: ITEMS }, (_, i) => ({ id: `j${i}`, data: i, priority: i % 3 })),
    );
    await setup.setLimits({ concurrency: LIMIT });

    // Counted from the pull's reply to the ack's request: inside the server's lease, so never
    // more than the server holds.
    let held = 0;
    let most = 0;
    const acked: string[] = [];
    let limitedPulls = 0;
    await Promise.all(
      consumers().map(async (client, c) => {
        const s = priorityStream(client, name);
        while (acked.length < ITEMS) {
          const items = await s.pull({ count: 1 + (c % 3), leaseMs: 60_000 });
          if (items.length === 0) {
            if (items.retryAfterMs !== undefined) limitedPulls++;
            await pause(2);
            continue;
          }
          held += items.length;
          most = Math.max(most, held);
          // Work: a few event-loop turns (the lease is 60 s; nothing here depends on timing).
          await pause(1 + (c % 4));
          held -= items.length;
          acked.push(...(await s.ack(items.map((i) => i.id))));
        }
      }),
    );
    console.log(
      `[${t.name}] concurrency ${LIMIT}, ${CONSUMERS} consumers: at most ${most} held at once; ${limitedPulls} pulls held back`,
    );
    expect(most).toBeLessThanOrEqual(LIMIT);
    expect(most).toBe(LIMIT);
    expect(acked.sort()).toEqual(Array.from({ length: ITEMS }, (_, i) => `j${i}`).sort());
    expect(await setup.size()).toEqual({ ready: 0, leased: 0 });
  });

  it(`rate: ${CONSUMERS} consumers never take more than max in any window`, async () => {
    const name = fresh("rate");
    const MAX = 12;
    const PER_MS = 250;
    const ITEMS = 96;
    const LEASE_MS = 600_000;
    const setup = priorityStream(t.client, name);
    await setup.addMany(
      Array.from({ length: ITEMS }, (_, i) => ({ id: `r${i}`, data: i, priority: 0 })),
    );
    await setup.setLimits({ rate: { max: MAX, perMs: PER_MS } });

    // Each item's grant time, by the server's clock: its lease deadline minus the lease.
    const granted: number[] = [];
    await Promise.all(
      consumers().map(async (client, c) => {
        const s = priorityStream(client, name);
        while (granted.length < ITEMS) {
          const items = await s.pull({ count: 1 + (c % 4), leaseMs: LEASE_MS });
          for (const item of items) granted.push(item.leasedUntil! - LEASE_MS);
          if (items.length > 0) await s.ack(items.map((i) => i.id));
          else await pause(Math.min(items.retryAfterMs ?? 5, 20));
        }
      }),
    );
    granted.sort((a, b) => a - b);
    let fullest = 0;
    for (let i = 0, j = 0; i < granted.length; i++) {
      while (granted[j]! <= granted[i]! - PER_MS) j++;
      fullest = Math.max(fullest, i - j + 1);
    }
    const spanMs = granted.at(-1)! - granted[0]!;
    // The fewest windows ITEMS items fit in: (ITEMS / MAX) windows, so at least this long.
    const idealMs = (ITEMS / MAX - 1) * PER_MS;
    console.log(
      `[${t.name}] rate ${MAX}/${PER_MS} ms, ${CONSUMERS} consumers: at most ${fullest} in any ${PER_MS} ms window; ${ITEMS} items in ${spanMs} ms (ideal ≥ ${idealMs} ms, ${((idealMs / spanMs) * 100).toFixed(0)}% of the limit)`,
    );
    expect(granted).toHaveLength(ITEMS);
    expect(fullest).toBeLessThanOrEqual(MAX);
    expect(fullest).toBe(MAX);
    expect(spanMs).toBeGreaterThanOrEqual(idealMs);
  });

  describe("consumers that crash mid-lease", () => {
    it("closed clients: their leased items come back when the leases run out, one attempt more", async () => {
      const name = fresh("crash-close");
      const s = priorityStream(t.client, name, { maxAttempts: 3 });
      await s.addMany(
        Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, data: i, priority: 0 })),
      );
      const crashed = consumers().slice(0, 4);
      const leases = await Promise.all(
        crashed.map((client) => priorityStream(client, name).pull({ count: 4, leaseMs: 400 })),
      );
      await Promise.all(crashed.map((client) => client.close()));
      const taken = leases.flat();
      expect(taken).toHaveLength(16);
      const size = await s.size();
      // Checked only while the leases run, by the server's clock (read after size answered).
      if ((await serverMs(t.client)) < Math.min(...taken.map((i) => i.leasedUntil!))) {
        expect(size).toEqual({ ready: 4, leased: 16 });
      }
      await untilServerTime(t.client, Math.max(...taken.map((i) => i.leasedUntil!)));

      const survivor = priorityStream(t.makeClient(), name);
      const again = await survivor.pull({ count: 20, leaseMs: 60_000 });
      const attempts = new Map(again.map((i) => [i.id, i.attempts]));
      expect(again).toHaveLength(20);
      for (const item of taken) expect(attempts.get(item.id), item.id).toBe(2);
      expect(again.filter((i) => i.attempts === 1)).toHaveLength(4);
      expect((await survivor.ack(again.map((i) => i.id))).sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `c${i}`).sort(),
      );
      const expiredIds = (await s.events())
        .filter((e) => e.type === "nacked" && e.reason === "lease expired")
        .flatMap((e) => e.ids);
      expect(expiredIds.sort()).toEqual(taken.map((i) => i.id).sort());
    });

    it("a killed process: its leases run out, the items return or become dead letters", async () => {
      const name = fresh("crash-kill");
      const s = priorityStream(t.client, name, { maxAttempts: 2 });
      await s.addMany(Array.from({ length: 6 }, (_, i) => ({ id: `k${i}`, data: i, priority: 0 })));
      // One attempt for k0 and k1 already: the killed consumer's lease is their last.
      const first = await s.pull({ count: 2, leaseMs: 60_000 });
      expect((await s.nack(first.map((i) => i.id))).retried).toEqual(["k0", "k1"]);
      const leased = await leaseInChild(t.clientEnv(), s.name, 4, 500);
      expect(leased.map((l) => l.id)).toEqual(["k0", "k1", "k2", "k3"]);
      const size = await s.size();
      if ((await serverMs(t.client)) < Math.min(...leased.map((l) => l.leasedUntil))) {
        expect(size).toEqual({ ready: 2, leased: 4 });
      }
      await untilServerTime(t.client, Math.max(...leased.map((l) => l.leasedUntil)));

      const back = await s.pull({ count: 10, leaseMs: 60_000 });
      expect(back.map((i) => [i.id, i.attempts])).toEqual([
        ["k2", 2],
        ["k3", 2],
        ["k4", 1],
        ["k5", 1],
      ]);
      const letters = await s.deadLetters();
      expect(letters.map((l) => [l.id, l.attempts, l.reason])).toEqual([
        ["k0", 2, "lease expired"],
        ["k1", 2, "lease expired"],
      ]);
    });
  });
});

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const fixture = fileURLToPath(new URL("fixtures/lease-and-hang.ts", import.meta.url));

/** Runs a consumer process that leases `count` items and hangs; kills it (SIGKILL) once it has. */
async function leaseInChild(
  env: Record<string, string>,
  stream: string,
  count: number,
  leaseMs: number,
): Promise<{ id: string; leasedUntil: number }[]> {
  const child = spawn(process.execPath, ["--import", tsx, fixture], {
    env: {
      PATH: process.env.PATH ?? "",
      ...env,
      STREAM: stream,
      LEASE_COUNT: String(count),
      LEASE_MS: String(leaseMs),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => {
    err += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += String(d);
        if (out.includes("\n")) resolve(out.split("\n", 1)[0]!);
      });
      child.once("exit", (code) => reject(new Error(`consumer exited (${code}): ${err}`)));
    });
    return JSON.parse(line) as { id: string; leasedUntil: number }[];
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}
