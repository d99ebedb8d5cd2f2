/**
 * Scaling: decrementAll and pull(count 10, purge) on a stream of 1,000 and one of 1,000,000 items,
 * both on the same server. Measured in alternating rounds (1k, 1M, 1k, 1M, ...) so that drift in
 * the machine's speed hits both alike; each figure is the median over the rounds. Client-side
 * ops/s (one call at a time over TCP, so mostly round-trip time) and the server's own µs per
 * EVALSHA (INFO commandstats), which shows the script's cost without the network.
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

export const SCALING_SIZES = [1_000, 1_000_000];
const ROUNDS = 9;
const DECREMENTS_PER_ROUND = 500;
const PULLS_PER_ROUND = 100; // 1,000 items, put back (untimed) after each round

async function fill(clients: RedgeClient[], name: string, size: number, start = 0): Promise<void> {
  let next = start;
  const end = start + size;
  let worker = 0;
  await inParallel(clients.length, async () => {
    const stream = priorityStream(clients[worker++ % clients.length]!, name);
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

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export async function scaling(
  server: BenchServer,
  fillers: RedgeClient[],
): Promise<ScalingResult[]> {
  const client = fillers[0]!;
  const setups = [];
  for (const size of SCALING_SIZES) {
    const name = `bench-scaling-${size}`;
    const stream = priorityStream(client, name);
    await stream.clear();
    await fill(fillers, name, size);
    setups.push({
      size,
      name,
      stream,
      refilled: size,
      dec: [] as number[][],
      pull: [] as number[][],
    });
  }

  for (let round = 0; round < ROUNDS; round++) {
    for (const s of setups) {
      await server.admin.config("RESETSTAT");
      const decMs = await timeMs(async () => {
        for (let i = 0; i < DECREMENTS_PER_ROUND; i++) await s.stream.decrementAll(1);
      });
      s.dec.push([rate(DECREMENTS_PER_ROUND, decMs), await evalshaUsecPerCall(server.admin)]);

      await server.admin.config("RESETSTAT");
      const pullMs = await timeMs(async () => {
        for (let i = 0; i < PULLS_PER_ROUND; i++) {
          const got = await s.stream.pull({ count: 10 });
          if (got.length !== 10) throw new Error("stream ran dry");
        }
      });
      s.pull.push([rate(PULLS_PER_ROUND, pullMs), await evalshaUsecPerCall(server.admin)]);
      await fill(fillers, s.name, PULLS_PER_ROUND * 10, s.refilled);
      s.refilled += PULLS_PER_ROUND * 10;
    }
  }

  const results: ScalingResult[] = [];
  for (const s of setups) {
    await s.stream.clear();
    results.push({
      size: s.size,
      decrementAllOpsPerSec: median(s.dec.map((r) => r[0]!)),
      decrementAllUsecPerCall: median(s.dec.map((r) => r[1]!)),
      pullOpsPerSec: median(s.pull.map((r) => r[0]!)),
      pullUsecPerCall: median(s.pull.map((r) => r[1]!)),
    });
  }
  return results;
}
