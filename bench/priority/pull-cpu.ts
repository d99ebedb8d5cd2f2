/**
 * Redis CPU per pulled item: what redis-server itself spends (INFO cpu, user + sys) per item of a
 * drain, over TCP, one call at a time, for the pull shapes the job queue uses: purge pulls of 100
 * and of 1, lease pulls of 100 followed by their ack, and the same lease drain on a stream with
 * delays, retries and limits configured (so the cost of those features is seen beside the plain
 * hot path). Server CPU rather than wall time: on a shared machine it is not inflated by waiting.
 */
import type { Redis } from "ioredis";
import type { RedgeClient } from "../../src/index.js";
import { itemId, PAYLOAD, serverCpuUs } from "./harness.js";

export interface PullCpuRow {
  shape: string;
  items: number;
  /** Median of the runs: redis-server CPU µs per item pulled (ack included for leases). */
  cpuUsPerItem: number;
}

type Shape = {
  shape: string;
  items: number;
  /** Added with a due time just past, so each pull promotes what it takes. */
  delayed?: boolean;
  setup?: (client: RedgeClient, name: string) => Promise<void>;
  drain: (client: RedgeClient, name: string) => Promise<number>;
};

const SHAPES: Shape[] = [
  {
    shape: "pull(count 100, purge)",
    items: 20_000,
    drain: async (client, name) => {
      const s = client.priority(name);
      let n = 0;
      for (;;) {
        const got = await s.pull({ count: 100 });
        if (got.length === 0) return n;
        n += got.length;
      }
    },
  },
  {
    shape: "pull(count 1, purge)",
    items: 5_000,
    drain: async (client, name) => {
      const s = client.priority(name);
      let n = 0;
      for (;;) {
        const got = await s.pull({ count: 1 });
        if (got.length === 0) return n;
        n += got.length;
      }
    },
  },
  {
    shape: "pull(count 100, lease) + ack",
    items: 20_000,
    drain: leaseDrain,
  },
  {
    shape: "pull(count 100, lease) + ack, with limits and maxAttempts set",
    items: 20_000,
    setup: async (client, name) => {
      const s = client.priority(name);
      await s.setLimits({ concurrency: 1_000_000, rate: { max: 1_000_000_000, perMs: 1_000 } });
      await s.setOptions({ maxAttempts: 5, backoff: { type: "exponential", delayMs: 1_000 } });
    },
    drain: leaseDrain,
  },
  {
    shape: "pull(count 100, lease) + ack, every item delayed (due now)",
    items: 20_000,
    delayed: true,
    drain: leaseDrain,
  },
];

async function leaseDrain(client: RedgeClient, name: string): Promise<number> {
  const s = client.priority(name);
  let n = 0;
  for (;;) {
    const got = await s.pull({ count: 100, leaseMs: 600_000 });
    if (got.length === 0) return n;
    await s.ack(got.map((item) => item.id));
    n += got.length;
  }
}

export async function pullCpu(
  admin: Redis,
  client: RedgeClient,
  extra: Shape[] = [],
  runs = 3,
): Promise<PullCpuRow[]> {
  const rows: PullCpuRow[] = [];
  for (const shape of [...SHAPES, ...extra]) {
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const name = `bench-pull-cpu-${run}`;
      await client.priority(name).clear();
      await client.priority(name).setLimits({});
      await client.priority(name).setOptions({});
      await shape.setup?.(client, name);
      for (let from = 0; from < shape.items; from += 1_000) {
        const batch = [];
        for (let i = from; i < Math.min(from + 1_000, shape.items); i++) {
          batch.push({
            id: itemId(i),
            data: PAYLOAD,
            priority: (i * 7919) % 100,
            ...(shape.delayed ? { delayMs: 1 } : {}),
          });
        }
        await client.priority(name).addMany(batch);
      }
      // Delayed items: wait until the last one is due by the server's clock.
      if (shape.delayed) {
        const serverMs = async () => {
          const [s, us] = await admin.time();
          return Number(s) * 1000 + Math.floor(Number(us) / 1000);
        };
        const due = (await serverMs()) + 2;
        while ((await serverMs()) < due) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const before = await serverCpuUs(admin);
      const drained = await shape.drain(client, name);
      const after = await serverCpuUs(admin);
      if (drained !== shape.items) throw new Error(`${shape.shape}: drained ${drained}`);
      samples.push((after - before) / shape.items);
    }
    samples.sort((a, b) => a - b);
    rows.push({ shape: shape.shape, items: shape.items, cpuUsPerItem: samples[runs >> 1]! });
  }
  return rows;
}

export { leaseDrain, type Shape };
