/**
 * Pub/sub fan-out benchmark (issue 15 item 1), against one private redis-server in one run:
 * 1,000 concurrent subscribers on one channel, messages published to it as fast as the slowest
 * subscriber keeps up (at most WINDOW messages ahead of it: a sustained rate, not a burst that
 * the gateway's memory caps would cut short by dropping subscribers), and the deliveries per
 * second until every subscriber has every message —
 *  1. through `redge gateway` over SSE (1,000 streams, one Redis subscription), with the
 *     gateway's memory (RSS) idle, with the subscribers connected, and at its peak;
 *  2. the reference: the same 1,000 subscribers as ioredis connections straight to Redis (1,000
 *     Redis subscriptions, Redis doing the fan-out).
 * Subscribers and publisher run in this process, on the same two cores as the servers.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { Redis } from "ioredis";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { startGatewayProcess } from "../lib/processes.js";
import { printTable, type Row, saveResults } from "../lib/report.js";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2_000);
const MESSAGE = JSON.stringify({ event: "tick", payload: "x".repeat(40) });
const CHANNEL = "bench:fanout";
const token = `bench-${Math.random().toString(36).slice(2)}`;
const BURST_TIMEOUT_MS = 120_000;
/** How far the publisher may run ahead of the slowest subscriber, in messages. */
const WINDOW = Number(process.env.BENCH_WINDOW ?? 50);

/** Resident memory of a process, in MiB (Linux). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Counts occurrences of `needle` across chunks (a match may straddle two). */
function counter(needle: string) {
  let carry = "";
  let count = 0;
  return {
    feed(chunk: string) {
      const text = carry + chunk;
      let at = text.indexOf(needle);
      while (at !== -1) {
        count++;
        at = text.indexOf(needle, at + needle.length);
      }
      carry = text.slice(-(needle.length - 1));
    },
    get count() {
      return count;
    },
  };
}

interface Subscriber {
  received(): number;
  close(): void;
}

function sseSubscriber(url: string, agent: Agent): Promise<Subscriber> {
  const target = new URL(`/subscribe/${CHANNEL}`, url);
  return new Promise((resolve, reject) => {
    const messages = counter("data: message,");
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        agent,
        headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`subscribe answered ${response.statusCode}`));
          return;
        }
        response.setEncoding("utf8");
        let subscribed = false;
        response.on("data", (chunk: string) => {
          messages.feed(chunk);
          if (!subscribed && chunk.includes("data: subscribe,")) {
            subscribed = true;
            resolve({ received: () => messages.count, close: () => req.destroy() });
          }
        });
      },
    );
    req.on("error", (error) => {
      if (!req.destroyed) reject(error);
    });
    req.end("[]");
  });
}

async function redisSubscriber(url: string): Promise<Subscriber> {
  const connection = new Redis(url, { lazyConnect: true });
  await connection.connect();
  let count = 0;
  connection.on("messageBuffer", () => {
    count++;
  });
  await connection.subscribe(CHANNEL);
  return { received: () => count, close: () => connection.disconnect() };
}

/** Opens `n` subscribers, 50 at a time. */
async function openAll(n: number, open: () => Promise<Subscriber>): Promise<Subscriber[]> {
  const all: Subscriber[] = [];
  for (let i = 0; i < n; i += 50) {
    all.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, open))));
  }
  return all;
}

/**
 * Publishes MESSAGES, never more than WINDOW ahead of the slowest subscriber, and resolves with
 * deliveries per second once every subscriber has every message.
 */
async function burst(
  publisher: Redis,
  subscribers: Subscriber[],
  sample?: () => void,
): Promise<number> {
  const base = subscribers.map((s) => s.received());
  const slowest = () => Math.min(...subscribers.map((s, i) => s.received() - base[i]!));
  const started = performance.now();
  const deadline = Date.now() + BURST_TIMEOUT_MS;
  let published = 0;
  let ticks = 0;
  for (;;) {
    const behind = slowest();
    if (behind >= MESSAGES) break;
    if (Date.now() > deadline) {
      throw new Error(`the slowest subscriber got ${behind} of ${MESSAGES} messages`);
    }
    if (published < MESSAGES && published - behind < WINDOW) {
      const count = Math.min(10, MESSAGES - published);
      const pipeline = publisher.pipeline();
      for (let j = 0; j < count; j++) pipeline.publish(CHANNEL, MESSAGE);
      await pipeline.exec();
      published += count;
    } else {
      if (++ticks % 20 === 0) sample?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return (subscribers.length * MESSAGES) / ((performance.now() - started) / 1000);
}

export async function runPubSubBench(): Promise<Row[]> {
  const redis = await startRedisServer();
  const gateway = await startGatewayProcess(redis.url, token);
  const publisher = new Redis(redis.url);
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const rows: Row[] = [];
  let subscribers: Subscriber[] = [];
  try {
    const pid = gateway.process.pid!;
    const idle = rssMiB(pid);
    subscribers = await openAll(SUBSCRIBERS, () => sseSubscriber(gateway.url, agent));
    const connected = rssMiB(pid);
    let peak = connected;
    const sample = () => {
      peak = Math.max(peak, rssMiB(pid));
    };
    // Warm-up burst (JIT), then the measured one.
    await burst(publisher, subscribers, sample);
    const viaGateway = await burst(publisher, subscribers, sample);
    for (const s of subscribers) s.close();
    subscribers = [];

    subscribers = await openAll(SUBSCRIBERS, () => redisSubscriber(redis.url));
    await burst(publisher, subscribers);
    const direct = await burst(publisher, subscribers);
    for (const s of subscribers) s.close();
    subscribers = [];

    rows.push(
      { name: "redis direct (1,000 connections)", value: direct, unit: "deliveries/s" },
      {
        name: "gateway SSE (1,000 streams)",
        value: viaGateway,
        unit: "deliveries/s",
        baseline: "redis direct (1,000 connections)",
        better: "higher",
      },
      { name: "gateway RSS idle", value: idle, unit: "MiB", better: "lower" },
      {
        name: "gateway RSS, 1,000 subscribers",
        value: connected,
        unit: "MiB",
        baseline: "gateway RSS idle",
        better: "lower",
      },
      {
        name: "gateway RSS peak during bursts",
        value: peak,
        unit: "MiB",
        baseline: "gateway RSS idle",
        better: "lower",
      },
    );
    printTable(
      `pub/sub fan-out: ${SUBSCRIBERS} subscribers, ${MESSAGES} messages of ${MESSAGE.length} bytes at the slowest one's pace`,
      rows,
    );
    saveResults("pubsub", { subscribers: SUBSCRIBERS, messages: MESSAGES, rows });
    return rows;
  } finally {
    for (const s of subscribers) s.close();
    agent.destroy();
    publisher.disconnect();
    await gateway.stop();
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runPubSubBench();
}
