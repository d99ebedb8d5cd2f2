/**
 * Stream queue benchmark: publish and receive+ack throughput for 100,000 messages, over TCP
 * (ioredis, straight to Redis) and over REST (through the redge gateway), side by side in one run,
 * on a private redis-server and a private gateway.
 *
 *   npx tsx bench/streams/run.ts            (BENCH_STREAM_MESSAGES=20000 for a quick run)
 *
 * The gateway runs in this process (test/helpers/gateway.ts), so REST figures include the gateway's
 * own work on the same event loop: a lower bound for a gateway running on its own.
 */
import type { RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { createStream } from "../../src/streams/index.js";
import { startGateway } from "../../test/helpers/gateway.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { printTable, type Row, saveResults, throughput } from "../lib/report.js";

const MESSAGES = Number(process.env.BENCH_STREAM_MESSAGES ?? 100_000);
/** Messages per publishMany call (one pipeline each). */
const PUBLISH_BATCH = 1_000;
const PUBLISH_IN_FLIGHT = 4;
/** Single publishes: fewer messages, many in flight. */
const SINGLE_PUBLISHES = Math.min(MESSAGES, 20_000);
const SINGLE_IN_FLIGHT = 64;
const CONSUMERS = 4;
const RECEIVE_COUNT = 100;

interface Figures {
  publishBatched: number;
  publishSingle: number;
  receiveAck: number;
}

const payload = (i: number) => ({ i, kind: "order.created", at: "2024-01-01T00:00:00.000Z" });

async function measure(label: string, makeClient: () => RedgeClient): Promise<Figures> {
  const client = makeClient();
  const consumers = Array.from({ length: CONSUMERS }, () => makeClient());
  const run = `${label}:${Date.now()}`;
  try {
    // Warm-up: scripts loaded, connections open, JIT warm.
    const warm = createStream(client, `bench:warm:${run}`, { group: "g" });
    await warm.createGroup();
    await warm.publishMany(Array.from({ length: 2_000 }, (_, i) => payload(i)));
    while ((await warm.receive({ consumer: "c", count: RECEIVE_COUNT })).length > 0);

    // 1. publishMany in batches of 1,000 (one pipeline per batch), a few batches in flight.
    const queue = createStream(client, `bench:${run}`, { group: "workers" });
    await queue.createGroup();
    const batches = Math.ceil(MESSAGES / PUBLISH_BATCH);
    const batchesPerSecond = await throughput(batches, PUBLISH_IN_FLIGHT, (b) =>
      queue.publishMany(
        Array.from({ length: Math.min(PUBLISH_BATCH, MESSAGES - b * PUBLISH_BATCH) }, (_, i) =>
          payload(b * PUBLISH_BATCH + i),
        ),
      ),
    );
    const publishBatched = (batchesPerSecond * MESSAGES) / batches;

    // 2. publish one message per call, many calls in flight (another stream, same server).
    const single = createStream(client, `bench:single:${run}`, { group: "workers" });
    const publishSingle = await throughput(SINGLE_PUBLISHES, SINGLE_IN_FLIGHT, (i) =>
      single.publish(payload(i)),
    );

    // 3. receive (count 100) + ack, CONSUMERS consumers in parallel, each on its own client,
    //    until every message of step 1 is acknowledged.
    let acked = 0;
    const started = performance.now();
    await Promise.all(
      consumers.map(async (consumerClient, n) => {
        const q = createStream(consumerClient, queue.name, { group: "workers" });
        while (acked < MESSAGES) {
          const messages = await q.receive({ consumer: `c${n}`, count: RECEIVE_COUNT });
          if (messages.length === 0) break;
          const count = await q.ack(messages.map((m) => m.id));
          acked += count;
        }
      }),
    );
    const receiveAck = MESSAGES / ((performance.now() - started) / 1000);
    if (acked !== MESSAGES) throw new Error(`${label}: acked ${acked} of ${MESSAGES} messages`);
    const pending = await queue.pending();
    if (pending.count !== 0) throw new Error(`${label}: ${pending.count} messages left pending`);

    await client.command(["DEL", queue.key, single.key, warm.key]);
    return { publishBatched, publishSingle, receiveAck };
  } finally {
    await Promise.all([client.close(), ...consumers.map((c) => c.close())]);
  }
}

export async function runStreamsBench(): Promise<Row[]> {
  const redis = await startRedisServer();
  const gateway = await startGateway({ redisUrl: redis.url });
  let tcp: Figures;
  let rest: Figures;
  try {
    tcp = await measure("tcp", () => createNodeClient({ url: redis.url }));
    rest = await measure("rest", () =>
      createNodeClient({ url: gateway.url, token: gateway.token }),
    );
  } finally {
    await gateway.close();
    await redis.stop();
  }
  const n = MESSAGES.toLocaleString("en-US");
  const rows: Row[] = [
    {
      name: `TCP publishMany (${n} msgs, batches of 1,000)`,
      value: tcp.publishBatched,
      unit: "msgs/s",
    },
    {
      name: `REST publishMany (${n} msgs, batches of 1,000)`,
      value: rest.publishBatched,
      unit: "msgs/s",
      baseline: `TCP publishMany (${n} msgs, batches of 1,000)`,
    },
    {
      name: `TCP publish, one per call (${SINGLE_IN_FLIGHT} in flight)`,
      value: tcp.publishSingle,
      unit: "msgs/s",
    },
    {
      name: `REST publish, one per call (${SINGLE_IN_FLIGHT} in flight)`,
      value: rest.publishSingle,
      unit: "msgs/s",
      baseline: `TCP publish, one per call (${SINGLE_IN_FLIGHT} in flight)`,
    },
    {
      name: `TCP receive+ack (${n} msgs, ${CONSUMERS} consumers, count ${RECEIVE_COUNT})`,
      value: tcp.receiveAck,
      unit: "msgs/s",
    },
    {
      name: `REST receive+ack (${n} msgs, ${CONSUMERS} consumers, count ${RECEIVE_COUNT})`,
      value: rest.receiveAck,
      unit: "msgs/s",
      baseline: `TCP receive+ack (${n} msgs, ${CONSUMERS} consumers, count ${RECEIVE_COUNT})`,
    },
  ];
  printTable("Stream queues", rows);
  saveResults("streams", {
    messages: MESSAGES,
    publishBatch: PUBLISH_BATCH,
    publishInFlight: PUBLISH_IN_FLIGHT,
    singlePublishes: SINGLE_PUBLISHES,
    singleInFlight: SINGLE_IN_FLIGHT,
    consumers: CONSUMERS,
    receiveCount: RECEIVE_COUNT,
    gateway: "in-process (test/helpers/gateway.ts)",
    rows,
  });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runStreamsBench();
}
