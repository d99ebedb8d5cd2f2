/**
 * The priority stream as a job queue, side by side with BullMQ on the same redis-server (TCP):
 *
 * - delayed jobs: 10,000 jobs, each due at a random moment within one second of being added;
 *   the time from the first add until every job has been processed (a no-op handler), and how
 *   late the last one finished after the last due time;
 * - rate-limited processing: 3,000 jobs under a limit of 500 per second; how close each gets to
 *   the limit (jobs per second over the run / the limit) and the most jobs started in any one
 *   second (must not pass the limit).
 *
 * `npx tsx bench/jobs/run.ts` (or `npm run bench -- jobs`). Starts its own redis-server, prints
 * the tables with ratios, writes bench/results/jobs.json, and stops everything it started.
 */
import { Queue, Worker } from "bullmq";
import type { RedgeClient } from "../../src/index.js";
import { saveResults } from "../lib/report.js";
import { printTable, startBenchServer } from "../priority/harness.js";

const DELAYED_JOBS = 10_000;
const DUE_WITHIN_MS = 1_000;
const LIMITED_JOBS = 3_000;
const RATE_MAX = 500;
const RATE_PER_MS = 1_000;
/** BullMQ Worker concurrencies tried for delayed jobs; the faster is compared. */
const BULL_CONCURRENCIES = [100, 1_000];
const BULL_CONCURRENCY = 100;
const REDGE_CONSUMERS = 4;
const PULL_COUNT = 100;

interface DelayedResult {
  system: string;
  /** From the first add until the last job was processed. */
  totalMs: number;
  /** How long after the last job's due time the last job was processed. */
  lastLateMs: number;
}

interface RateResult {
  system: string;
  jobsPerSec: number;
  /** jobsPerSec / the limit. */
  shareOfLimit: number;
  /** Most jobs started in any window of RATE_PER_MS. */
  fullestWindow: number;
}

const delays = Array.from({ length: DELAYED_JOBS }, (_, i) => (i * 7919) % DUE_WITHIN_MS);
const lastDelay = Math.max(...delays);

/** Most entries of sorted `times` in any half-open window of `width`. */
function fullest(times: number[], width: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - width) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function bullDelayed(port: number, concurrency: number): Promise<DelayedResult> {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const queue = new Queue("bench-delayed", { connection });
  await queue.obliterate({ force: true });
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = new Worker("bench-delayed", async () => {}, { connection, concurrency });
  worker.on("completed", () => {
    if (++done === DELAYED_JOBS) finish();
  });
  await worker.waitUntilReady();
  const started = performance.now();
  for (let from = 0; from < DELAYED_JOBS; from += 1_000) {
    await queue.addBulk(
      delays.slice(from, from + 1_000).map((delay, k) => ({
        name: "job",
        data: { n: from + k },
        opts: { delay, removeOnComplete: true },
      })),
    );
  }
  await finished;
  const totalMs = performance.now() - started;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    system: `BullMQ (Worker concurrency ${concurrency})`,
    totalMs,
    lastLateMs: totalMs - lastDelay,
  };
}

/** Consumers pulling leases of PULL_COUNT and acking them until `total` are done. */
async function consume(
  clients: RedgeClient[],
  name: string,
  total: number,
  onTaken: (grantedAt: number) => void = () => {},
): Promise<void> {
  let done = 0;
  const LEASE_MS = 60_000;
  await Promise.all(
    clients.map(async (client) => {
      const s = client.priority(name);
      while (done < total) {
        const items = await s.pull({ count: PULL_COUNT, leaseMs: LEASE_MS });
        if (items.length === 0) {
          await new Promise((resolve) =>
            setTimeout(resolve, Math.min(items.retryAfterMs ?? 2, 20)),
          );
          continue;
        }
        for (const item of items) onTaken(item.leasedUntil! - LEASE_MS);
        await s.ack(items.map((i) => i.id));
        done += items.length;
      }
    }),
  );
}

async function redgeDelayed(clients: RedgeClient[]): Promise<DelayedResult> {
  const name = "bench-delayed";
  await clients[0]!.priority(name).clear();
  const started = performance.now();
  const consuming = consume(clients, name, DELAYED_JOBS);
  for (let from = 0; from < DELAYED_JOBS; from += 1_000) {
    await clients[0]!.priority(name).addMany(
      delays.slice(from, from + 1_000).map((delayMs, k) => ({
        id: `job-${from + k}`,
        data: { n: from + k },
        priority: 0,
        delayMs,
      })),
    );
  }
  await consuming;
  const totalMs = performance.now() - started;
  return {
    system: `redge (${REDGE_CONSUMERS} consumers, lease pulls of ${PULL_COUNT} + ack)`,
    totalMs,
    lastLateMs: totalMs - lastDelay,
  };
}

async function bullRate(port: number): Promise<RateResult> {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const queue = new Queue("bench-rate", { connection });
  await queue.obliterate({ force: true });
  for (let from = 0; from < LIMITED_JOBS; from += 1_000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1_000, LIMITED_JOBS - from) }, (_, k) => ({
        name: "job",
        data: { n: from + k },
        opts: { removeOnComplete: true },
      })),
    );
  }
  const starts: number[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = new Worker(
    "bench-rate",
    async () => {
      starts.push(Date.now());
    },
    {
      connection,
      concurrency: BULL_CONCURRENCY,
      limiter: { max: RATE_MAX, duration: RATE_PER_MS },
      autorun: false,
    },
  );
  let done = 0;
  worker.on("completed", () => {
    if (++done === LIMITED_JOBS) finish();
  });
  void worker.run();
  await finished;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rateResult(`BullMQ (limiter ${RATE_MAX}/${RATE_PER_MS} ms)`, starts);
}

async function redgeRate(clients: RedgeClient[]): Promise<RateResult> {
  const name = "bench-rate";
  const s = clients[0]!.priority(name);
  await s.clear();
  await s.setLimits({ rate: { max: RATE_MAX, perMs: RATE_PER_MS } });
  for (let from = 0; from < LIMITED_JOBS; from += 1_000) {
    await s.addMany(
      Array.from({ length: Math.min(1_000, LIMITED_JOBS - from) }, (_, k) => ({
        id: `job-${from + k}`,
        data: { n: from + k },
        priority: 0,
      })),
    );
  }
  const starts: number[] = [];
  await consume(clients, name, LIMITED_JOBS, (at) => starts.push(at));
  await s.setLimits({});
  return rateResult(`redge (setLimits rate ${RATE_MAX}/${RATE_PER_MS} ms)`, starts);
}

/**
 * Throughput over the run as the limit allows it: the first window's jobs start at once, so N jobs
 * need (N / max − 1) windows after the first start; the achieved rate is measured the same way.
 */
function rateResult(system: string, starts: number[]): RateResult {
  const span = Math.max(...starts) - Math.min(...starts);
  const windows = LIMITED_JOBS / RATE_MAX - 1;
  const ideal = windows * RATE_PER_MS;
  const jobsPerSec = (RATE_MAX * (windows / (span / RATE_PER_MS))) / (RATE_PER_MS / 1_000);
  return {
    system,
    jobsPerSec,
    shareOfLimit: ideal / span,
    fullestWindow: fullest(starts, RATE_PER_MS),
  };
}

const server = await startBenchServer();
try {
  const clients = Array.from({ length: REDGE_CONSUMERS }, () => server.tcp());
  const bulls: DelayedResult[] = [];
  for (const concurrency of BULL_CONCURRENCIES) {
    bulls.push(await bullDelayed(server.redis.port, concurrency));
  }
  const bull = bulls.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
  const redge = await redgeDelayed(clients);
  const delayed = [...bulls, redge];
  printTable(
    `Delayed jobs: ${DELAYED_JOBS.toLocaleString("en-US")} jobs due within ${DUE_WITHIN_MS} ms of being added (TCP, same redis-server)`,
    ["system", "all processed after (ms)", "last one late by (ms)"],
    [
      ...delayed.map((r) => [r.system, r.totalMs, r.lastLateMs]),
      [
        `ratio ${bull.system} / redge`,
        `${(bull.totalMs / redge.totalMs).toFixed(2)}×`,
        `${(bull.lastLateMs / redge.lastLateMs).toFixed(2)}×`,
      ],
    ],
  );
  const rate = [await bullRate(server.redis.port), await redgeRate(clients)];
  const [bullR, redgeR] = rate as [RateResult, RateResult];
  printTable(
    `Rate-limited processing: ${LIMITED_JOBS.toLocaleString("en-US")} jobs, limit ${RATE_MAX} per ${RATE_PER_MS} ms`,
    ["system", "jobs/s", "share of the limit", `most started in any ${RATE_PER_MS} ms`],
    [
      ...rate.map((r) => [
        r.system,
        r.jobsPerSec,
        `${(r.shareOfLimit * 100).toFixed(1)}%`,
        String(r.fullestWindow),
      ]),
      [
        "ratio redge / BullMQ",
        `${(redgeR.jobsPerSec / bullR.jobsPerSec).toFixed(2)}×`,
        `${(redgeR.shareOfLimit / bullR.shareOfLimit).toFixed(2)}×`,
        "",
      ],
    ],
  );
  saveResults("jobs", { delayed, rate });
} finally {
  await server.close();
}
