/**
 * Scaling: decrementAll and pull(count 10, purge) on a stream of 1,000 and of 1,000,000 items.
 * Client-side ops/s (one call at a time over TCP, so mostly round-trip time) and the server's own
 * µs per EVALSHA (INFO commandstats), which shows the script's cost without the network.
 */
import type { RedgeClient } from "../../src/index.js";
import { priorityStream } from "../../src/priority/index.js";
import {
  type BenchServer,
  evalshaUsecPerCall,
  inParallel,
  itemId,
  PAYLOAD,
  rate,
  timeMs,
} from "./harness.js";

export interface ScalingResult {
  size: number;
  decrementAllOpsPerSec: number;
  decrementAllUsecPerCall: number;
  pullOpsPerSec: number;
  pullUsecPerCall: number;
}

const DECREMENTS = 5_000;
const PULL_ROUNDS = 20;
const PULLS_PER_ROUND = 100; // 1,000 items, put back (untimed) after each round

async function fill(clients: RedgeClient[], name: string, size: number, start = 0): Promise<void> {
  let next = start;
  const end = start + size;
  await inParallel(clients.length, async () => {
    const stream = priorityStream(clients[next % clients.length]!, name);
    for (let from = next; from < end; from = next) {
      next = Math.min(from + 1_000, end);
      const items = [];
      for (let i = from; i < next; i++) {
        items.push({ id: itemId(i), data: PAYLOAD, priority: (i * 7919) % 1000 });
      }
      await stream.addMany(items);
    }
  });
}

export async function scaling(server: BenchServer, fillers: RedgeClient[], size: number) {
  const name = `bench-scaling-${size}`;
  const client = fillers[0]!;
  const stream = priorityStream(client, name);
  await stream.clear();
  await fill(fillers, name, size);

  await server.admin.config("RESETSTAT");
  const decMs = await timeMs(async () => {
    for (let i = 0; i < DECREMENTS; i++) await stream.decrementAll(1);
  });
  const decUsec = await evalshaUsecPerCall(server.admin);

  let pullMs = 0;
  let pullUsecTotal = 0;
  for (let round = 0; round < PULL_ROUNDS; round++) {
    await server.admin.config("RESETSTAT");
    pullMs += await timeMs(async () => {
      for (let i = 0; i < PULLS_PER_ROUND; i++) {
        const got = await stream.pull({ count: 10 });
        if (got.length !== 10) throw new Error("stream ran dry");
      }
    });
    pullUsecTotal += (await evalshaUsecPerCall(server.admin)) * PULLS_PER_ROUND;
    await fill(fillers, name, PULLS_PER_ROUND * 10, size + round * PULLS_PER_ROUND * 10);
  }
  await stream.clear();
  const pulls = PULL_ROUNDS * PULLS_PER_ROUND;
  return {
    size,
    decrementAllOpsPerSec: rate(DECREMENTS, decMs),
    decrementAllUsecPerCall: decUsec,
    pullOpsPerSec: rate(pulls, pullMs),
    pullUsecPerCall: pullUsecTotal / pulls,
  } satisfies ScalingResult;
}
