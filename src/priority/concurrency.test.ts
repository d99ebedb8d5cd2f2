/**
 * Priority streams under contention, over TCP with separate connections: many pullers, each item
 * delivered exactly once with purge, and acked exactly once with leases even when a third of the
 * pulls are abandoned and their leases run out.
 */
import { afterAll, describe, expect, inject, it } from "vitest";
import type { RedgeClient } from "../client.js";
import { createNodeClient } from "../node.js";
import { priorityKeys, priorityStream } from "./index.js";

const ITEMS = 20_000;
const PULLERS = 8;
const runId = Math.random().toString(36).slice(2, 8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("priority stream under concurrency [tcp]", () => {
  const url = inject("redisUrl");
  const clients: RedgeClient[] = [];
  const connect = () => {
    const client = createNodeClient({ url });
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  const fill = async (name: string) => {
    const items = Array.from({ length: ITEMS }, (_, i) => ({
      id: `job-${i}`,
      data: { n: i },
      priority: i % 7,
    }));
    expect(await priorityStream(connect(), name).addMany(items)).toEqual({
      added: ITEMS,
      existing: 0,
    });
  };

  /** Once every item is gone, no time-index entry and no batch count is left behind. */
  const expectTimeIndexEmpty = async (name: string) => {
    const client = connect();
    const keys = priorityKeys(client, name);
    expect(await client.command(["XLEN", keys[2]!])).toBe(0);
    expect(await client.command(["EXISTS", keys[6]!])).toBe(0);
  };

  it(`${PULLERS} pullers with purge deliver ${ITEMS} items exactly once`, async () => {
    const name = `test:${runId}:ps-purge`;
    await fill(name);
    const delivered = new Map<string, number>();
    let wrongData = 0;
    await Promise.all(
      Array.from({ length: PULLERS }, async () => {
        const stream = priorityStream<{ n: number }>(connect(), name);
        for (;;) {
          const batch = await stream.pull({ count: 25 });
          if (batch.length === 0) return;
          for (const item of batch) {
            delivered.set(item.id, (delivered.get(item.id) ?? 0) + 1);
            if (item.id !== `job-${item.data.n}`) wrongData++;
          }
        }
      }),
    );
    expect(delivered.size).toBe(ITEMS);
    expect([...delivered.values()].filter((n) => n !== 1)).toEqual([]);
    expect(wrongData).toBe(0);
    expect(await priorityStream(connect(), name).size()).toEqual({ ready: 0, leased: 0 });
    await expectTimeIndexEmpty(name);
  });

  it(`${PULLERS} pullers with leases: every item acked exactly once though a third of the pulls are abandoned`, async () => {
    const name = `test:${runId}:ps-lease`;
    await fill(name);
    const acks = new Map<string, number>();
    let deliveries = 0;
    let abandoned = 0;
    await Promise.all(
      Array.from({ length: PULLERS }, async (_, worker) => {
        const stream = priorityStream(connect(), name);
        let pulls = worker; // stagger which pulls each worker abandons
        for (;;) {
          const batch = await stream.pull({ count: 25, leaseMs: 500 });
          if (batch.length === 0) {
            const { ready, leased } = await stream.size();
            if (ready === 0 && leased === 0) return;
            await sleep(50);
            continue;
          }
          deliveries += batch.length;
          if (++pulls % 3 === 0) {
            abandoned += batch.length;
            continue; // never acked: the lease runs out and the items come back
          }
          for (const id of await stream.ack(batch.map((item) => item.id))) {
            acks.set(id, (acks.get(id) ?? 0) + 1);
          }
        }
      }),
    );
    expect(abandoned).toBeGreaterThan(ITEMS / 4);
    // Every abandoned delivery comes back; a worker stalled past its lease may add redeliveries.
    expect(deliveries).toBeGreaterThanOrEqual(ITEMS + abandoned);
    expect(acks.size).toBe(ITEMS);
    expect([...acks.values()].filter((n) => n !== 1)).toEqual([]);
    await expectTimeIndexEmpty(name);
  });
});
