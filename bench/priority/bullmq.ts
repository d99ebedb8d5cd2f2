/**
 * Side by side with BullMQ on the same redis-server: 100,000 prioritized jobs added in bulk
 * (batches of 1,000) and consumed, versus redge addMany (batches of 1,000) and a pull(count 100,
 * purge) loop. BullMQ's Worker runs with concurrency 100 and 1,000, removeOnComplete and a no-op
 * processor;
 * its jobs keep BullMQ's generated ids (redge's items carry ids of their own).
 */
import { Queue, Worker } from "bullmq";
import type { RedgeClient } from "../../src/index.js";
import { priorityStream } from "../../src/priority/index.js";
import { itemId, rate, timeMs } from "./harness.js";

/** Worker concurrencies tried; the faster one is compared (1,000 was the fastest of 50–1,000). */
export const BULLMQ_CONCURRENCIES = [100, 1_000];

export interface QueueRunResult {
  system: string;
  jobs: number;
  addJobsPerSec: number;
  consumeJobsPerSec: number;
  endToEndJobsPerSec: number;
}

const data = { payload: "payload-0123456789ab" };
const priorityOf = (i: number) => 1 + ((i * 7919) % 100);

export async function bullmqRun(
  port: number,
  concurrency: number,
  jobs = 100_000,
): Promise<QueueRunResult> {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const queue = new Queue("bench-bullmq", { connection });
  await queue.obliterate({ force: true });
  const addMs = await timeMs(async () => {
    for (let from = 0; from < jobs; from += 1_000) {
      const batch = [];
      for (let i = from; i < Math.min(from + 1_000, jobs); i++) {
        batch.push({
          name: "job",
          data,
          // BullMQ's own ids (custom ids cost it a lookup and may not contain ":").
          opts: { priority: priorityOf(i), removeOnComplete: true },
        });
      }
      await queue.addBulk(batch);
    }
  });

  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = new Worker("bench-bullmq", async () => {}, {
    connection,
    concurrency,
    autorun: false,
  });
  worker.on("completed", () => {
    if (++done === jobs) finish();
  });
  const consumeMs = await timeMs(async () => {
    void worker.run();
    await finished;
  });
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    system: `BullMQ (Worker concurrency ${concurrency})`,
    jobs,
    addJobsPerSec: rate(jobs, addMs),
    consumeJobsPerSec: rate(jobs, consumeMs),
    endToEndJobsPerSec: rate(jobs, addMs + consumeMs),
  };
}

export async function redgeRun(client: RedgeClient, jobs = 100_000): Promise<QueueRunResult> {
  const stream = priorityStream(client, "bench-vs-bullmq");
  await stream.clear();
  const addMs = await timeMs(async () => {
    for (let from = 0; from < jobs; from += 1_000) {
      const batch = [];
      for (let i = from; i < Math.min(from + 1_000, jobs); i++) {
        batch.push({ id: itemId(i), data, priority: priorityOf(i) });
      }
      await stream.addMany(batch);
    }
  });
  let done = 0;
  const consumeMs = await timeMs(async () => {
    for (;;) {
      const got = await stream.pull({ count: 100 });
      if (got.length === 0) break;
      done += got.length;
    }
  });
  if (done !== jobs) throw new Error(`redge consumed ${done} of ${jobs}`);
  return {
    system: "redge (addMany 1,000 + pull count 100, purge; one connection)",
    jobs,
    addJobsPerSec: rate(jobs, addMs),
    consumeJobsPerSec: rate(jobs, consumeMs),
    endToEndJobsPerSec: rate(jobs, addMs + consumeMs),
  };
}
