/**
 * Memory per item: used_memory before and after 1,000,000 items (12-character ids, 20-byte data)
 * on a fresh private redis-server, for redge's layout and, side by side, for a plain layout of
 * two sorted sets (priority, time) and a hash (data).
 */
import { Redis } from "ioredis";
import { createNodeClient } from "../../src/node.js";
import { priorityKeys, priorityStream } from "../../src/priority/index.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { info, inParallel, itemId, PAYLOAD } from "./harness.js";

export interface MemoryResult {
  layout: string;
  items: number;
  bytesPerItem: number;
  bytesBeyondIdAndData: number;
  breakdown?: Record<string, number>;
}

export interface ChurnResult {
  /** Items left after pulling the higher-priority half (priorities interleave with time). */
  itemsLeft: number;
  bytesPerItemLeft: number;
  /** The time index's share: XDEL frees a stream node only once all its entries are gone. */
  timeIndexBytesPerItemLeft: number;
}

const ID_AND_DATA = itemId(0).length + PAYLOAD.length;

async function usedMemory(admin: Redis): Promise<number> {
  return Number((await info(admin, "memory")).get("used_memory"));
}

export async function memory(
  items = 1_000_000,
): Promise<{ rows: MemoryResult[]; churn: ChurnResult }> {
  const redis = await startRedisServer();
  const admin = new Redis(redis.url);
  const clients = Array.from({ length: 4 }, () =>
    createNodeClient({ url: redis.url, commandTimeoutMs: 60_000 }),
  );
  try {
    const results: MemoryResult[] = [];

    // redge
    const name = "bench-memory";
    const before = await usedMemory(admin);
    let next = 0;
    await inParallel(clients.length, async () => {
      const stream = priorityStream(clients[next % clients.length]!, name);
      for (let from = next; from < items; from = next) {
        next = Math.min(from + 1_000, items);
        const batch = [];
        for (let i = from; i < next; i++)
          batch.push({ id: itemId(i), data: PAYLOAD, priority: (i * 7919) % 1000 });
        await stream.addMany(batch);
      }
    });
    const after = await usedMemory(admin);
    const breakdown: Record<string, number> = {};
    for (const key of priorityKeys(clients[0]!, name)) {
      const bytes = (await admin.call("MEMORY", "USAGE", key, "SAMPLES", "0")) as number | null;
      if (bytes !== null)
        breakdown[key.slice(key.lastIndexOf(":") + 1)] = Math.round(bytes / items);
    }
    const perItem = (after - before) / items;
    results.push({
      layout: "redge (ZSET + HASH + STREAM)",
      items,
      bytesPerItem: perItem,
      bytesBeyondIdAndData: perItem - ID_AND_DATA,
      breakdown,
    });

    // Churn: pull the higher-priority half. Each stream node keeps its memory while any of its
    // entries lives, so the time index does not shrink with it.
    const stream = priorityStream(clients[0]!, name);
    for (let left = items / 2; left > 0; left -= 10_000) {
      await stream.pull({ count: Math.min(10_000, left) });
    }
    const itemsLeft = items - items / 2;
    const churnBytes = (await usedMemory(admin)) - before;
    const xKey = priorityKeys(clients[0]!, name)[2]!;
    const xBytes = (await admin.call("MEMORY", "USAGE", xKey, "SAMPLES", "0")) as number;
    const churn: ChurnResult = {
      itemsLeft,
      bytesPerItemLeft: churnBytes / itemsLeft,
      timeIndexBytesPerItemLeft: xBytes / itemsLeft,
    };
    await admin.flushall();

    // plain: ZSET id -> priority, ZSET id -> enqueue ms, HASH id -> data
    const plainBefore = await usedMemory(admin);
    const now = Date.now();
    for (let from = 0; from < items; from += 1_000) {
      const pipeline = admin.pipeline();
      const prio: (string | number)[] = [];
      const time: (string | number)[] = [];
      const hash: string[] = [];
      for (let i = from; i < Math.min(from + 1_000, items); i++) {
        prio.push(-(i % 1000), itemId(i));
        time.push(now + i, itemId(i));
        hash.push(itemId(i), PAYLOAD);
      }
      pipeline
        .zadd("plain:prio", ...prio)
        .zadd("plain:time", ...time)
        .hset("plain:data", ...hash);
      await pipeline.exec();
    }
    const plainPerItem = ((await usedMemory(admin)) - plainBefore) / items;
    results.push({
      layout: "plain (2 ZSETs + HASH)",
      items,
      bytesPerItem: plainPerItem,
      bytesBeyondIdAndData: plainPerItem - ID_AND_DATA,
    });
    return { rows: results, churn };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    admin.disconnect();
    await redis.stop();
  }
}
