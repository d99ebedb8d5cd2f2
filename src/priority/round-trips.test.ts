/**
 * One operation = one round trip: on a private redis-server, MONITOR shows exactly the commands
 * each operation sends from outside Lua (an EVALSHA, nothing else), over TCP and over REST through
 * the gateway; over REST each operation is also exactly one HTTP request.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../test/helpers/gateway.js";
import { type Monitor, monitor } from "../../test/helpers/monitor.js";
import { type RunningRedis, startRedisServer } from "../../test/helpers/redis-server.js";
import type { RedgeClient } from "../client.js";
import { createClient } from "../create-client.js";
import { createNodeClient } from "../node.js";
import { type PriorityStream, priorityStream } from "./index.js";

type Op = [label: string, run: (s: PriorityStream) => Promise<unknown>, command?: string];

const OPS: Op[] = [
  ["add", (s) => s.add("a", "A", 1)],
  ["add (increment)", (s) => s.add("a", "A", 1, { ifExists: "increment" })],
  [
    "addMany",
    (s) =>
      s.addMany([
        { id: "b", data: { b: 1 }, priority: 3 },
        { id: "c", data: "C", priority: 2 },
        { id: "d", data: 4, priority: 0 },
      ]),
  ],
  ["pull (peek)", (s) => s.pull({ count: 2, purge: false })],
  ["pull (gate)", (s) => s.pull({ count: 2, purge: false, gate: true })],
  ["pull (lease)", (s) => s.pull({ leaseMs: 60_000 })],
  ["ack", (s) => s.ack(["b"])],
  ["pull (purge)", (s) => s.pull()],
  ["increment", (s) => s.increment("c", 2)],
  ["decrementAll", (s) => s.decrementAll(1)],
  ["deleteBelow", (s) => s.deleteBelow(0)],
  ["expired", (s) => s.expired({ ttlMs: 1 })],
  ["expired (purge)", (s) => s.expired({ ttlMs: 60_000, purge: true })],
  ["get", (s) => s.get("c")],
  ["remove", (s) => s.remove(["c", "zz"])],
  ["size", (s) => s.size()],
  ["setGate", (s) => s.setGate(2)],
  ["getGate", (s) => s.getGate()],
  ["add (delayed)", (s) => s.add("later", "L", 1, { delayMs: 60_000 })],
  ["addMany (runAt)", (s) => s.addMany([{ id: "at", data: 1, priority: 1, runAt: 1 }])],
  ["setOptions", (s) => s.setOptions({ maxAttempts: 2, backoff: { type: "fixed", delayMs: 1 } })],
  ["setLimits", (s) => s.setLimits({ concurrency: 10, rate: { max: 100, perMs: 1_000 } })],
  ["pull (lease, limited)", (s) => s.pull({ leaseMs: 60_000 })],
  ["nack", (s) => s.nack(["at"], { reason: "failed" })],
  ["deadLetters", (s) => s.deadLetters()],
  ["requeueDeadLetters", (s) => s.requeueDeadLetters(["at"])],
  ["deleteDeadLetters", (s) => s.deleteDeadLetters(["at"])],
  ["info", (s) => s.info()],
  ["schedule (every)", (s) => s.schedule("tick", 1, 1, { every: 60_000 })],
  ["schedule (cron)", (s) => s.schedule("nightly", 1, 1, { cron: "0 2 * * *", tz: "UTC" })],
  ["schedules", (s) => s.schedules()],
  ["unschedule", (s) => s.unschedule("tick")],
  ["events", (s) => s.events({ count: 5 }), "XREAD"],
  ["setLimits (none)", (s) => s.setLimits({})],
  ["clear", (s) => s.clear()],
];

describe("priority stream: one round trip per operation", () => {
  let redis: RunningRedis;
  let gateway: RunningGateway;
  let watcher: Monitor;
  let marker: Redis;
  const seen: string[][] = [];
  let markers = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    gateway = await startGateway({ redisUrl: redis.url });
    marker = new Redis(redis.url);
    watcher = await monitor(redis.port, ({ args, source }) => {
      if (source !== "lua") seen.push(args);
    });
  });
  afterAll(async () => {
    watcher?.close();
    marker?.disconnect();
    await gateway?.close();
    await redis?.stop();
  });

  /** Commands that reached Redis from outside scripts while `run` ran. */
  async function commandsOf(run: () => Promise<unknown>): Promise<string[][]> {
    const tag = `marker-${++markers}`;
    await run();
    // MONITOR reports commands in execution order: once the marker shows, everything before it has.
    await marker.echo(tag);
    for (let i = 0; i < 200 && !seen.some((args) => args[1] === tag); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const end = seen.findIndex((args) => args[1] === tag);
    expect(end).toBeGreaterThanOrEqual(0);
    return seen.splice(0, end + 1).slice(0, -1);
  }

  // Counted where the gateway receives them, whichever HTTP layer the client uses.
  let requests = 0;
  const onRequest = () => {
    requests++;
  };

  const clients = {
    tcp: () => createNodeClient({ url: redis.url }),
    "rest (node:http)": () => createNodeClient({ url: gateway.url, token: gateway.token }),
    "rest (fetch)": () => createClient({ url: gateway.url, token: gateway.token }),
  };
  for (const [transport, make] of Object.entries(clients)) {
    it(`sends exactly one EVALSHA per operation [${transport}]`, async () => {
      const client: RedgeClient = make();
      subscribe("http.server.request.start", onRequest);
      const stream = priorityStream(client, `rt-${transport.replace(/\W/g, "")}`);
      try {
        // Warm-up: connection set-up, and the first EVALSHA of each script falls back to EVAL.
        await commandsOf(async () => {
          await client.command(["PING"]);
          for (const [, run] of OPS) await run(stream);
        });
        for (const [label, run, command = "EVALSHA"] of OPS) {
          requests = 0;
          const commands = await commandsOf(() => run(stream));
          expect(
            commands.map((args) => args[0]?.toUpperCase()),
            label,
          ).toEqual([command]);
          expect(requests, `${label}: HTTP requests`).toBe(transport === "tcp" ? 0 : 1);
        }
      } finally {
        unsubscribe("http.server.request.start", onRequest);
        await client.close();
      }
    });
  }
});
