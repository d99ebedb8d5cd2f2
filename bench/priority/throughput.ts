/**
 * Throughput: addMany in batches of 1,000 and a pull(count 100, purge) drain of 100,000 items,
 * over TCP and over REST through the gateway, with `inFlight` calls running at once.
 */
import type { Redis } from "ioredis";
import type { RedgeClient } from "../../src/index.js";
import { priorityStream } from "../../src/priority/index.js";
import { inParallel, itemId, PAYLOAD, rate, serverCpuUs, timeMs } from "./harness.js";

export interface ThroughputResult {
  transport: string;
  inFlight: number;
  items: number;
  addItemsPerSec: number;
  pullItemsPerSec: number;
  /** redis-server CPU time per item: what the server itself spends, whatever else runs. */
  addServerCpuUsPerItem: number;
  pullServerCpuUsPerItem: number;
}

export async function throughput(
  admin: Redis,
  transport: string,
  clients: RedgeClient[],
  items = 100_000,
  batch = 1_000,
): Promise<ThroughputResult> {
  const name = `bench-throughput-${transport}-${clients.length}`;
  const streams = clients.map((c) => priorityStream(c, name));
  await streams[0]!.clear();
  const batches = Array.from({ length: Math.ceil(items / batch) }, (_, b) =>
    Array.from({ length: Math.min(batch, items - b * batch) }, (_, k) => {
      const i = b * batch + k;
      return { id: itemId(i), data: PAYLOAD, priority: (i * 7919) % 100 };
    }),
  );

  let next = 0;
  const cpu0 = await serverCpuUs(admin);
  const addMs = await timeMs(() =>
    inParallel(clients.length, async () => {
      const stream = streams[next % streams.length]!;
      for (let b = next++; b < batches.length; b = next++) await stream.addMany(batches[b]!);
    }),
  );

  const cpu1 = await serverCpuUs(admin);
  let pulled = 0;
  let worker = 0;
  const pullMs = await timeMs(() =>
    inParallel(clients.length, async () => {
      const stream = streams[worker++ % streams.length]!;
      for (;;) {
        const got = await stream.pull({ count: 100 });
        if (got.length === 0) return;
        pulled += got.length;
      }
    }),
  );
  const cpu2 = await serverCpuUs(admin);
  if (pulled !== items) throw new Error(`drained ${pulled} of ${items} items`);
  return {
    transport,
    inFlight: clients.length,
    items,
    addItemsPerSec: rate(items, addMs),
    pullItemsPerSec: rate(items, pullMs),
    addServerCpuUsPerItem: (cpu1 - cpu0) / items,
    pullServerCpuUsPerItem: (cpu2 - cpu1) / items,
  };
}
