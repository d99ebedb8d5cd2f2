/**
 * HTTP app benchmark (issue 6), all in one run against one private redis-server:
 *
 *   GET  /cache/bench/hit        a cache hit (the entry is written once before)
 *   POST /queues/bench/pull      { count: 1, purge: false }: a peek at the highest item, so the
 *                                queue never drains and needs no topping up, and every request
 *                                runs the same Lua pull script over the same 1,000 items
 *
 * through
 *   - the worker in workerd: wrangler's deploy bundle of worker/adapter/cloudflare/index.ts run by Miniflare,
 *     REST to a `redge gateway` process in front of Redis (the self-hosted edge path);
 *   - the Node server: `redge serve` in its own process, TCP to Redis;
 * and, as baselines, the same operation through the redge client directly: the REST client via
 * the same gateway (baseline of the worker) and the TCP client (baseline of the Node server).
 *
 * Each target gets a latency run (1 connection / 1 in flight: p50, p99) and a throughput run
 * (32 connections / 32 in flight: requests/s, p99). Latency runs are timed per request in this
 * process (node:http on one keep-alive socket for HTTP: autocannon rounds latencies to whole ms,
 * too coarse here); throughput runs use autocannon for HTTP and 32 concurrent loops for clients. Prints a table with ratios and
 * writes bench/results/http.json. BENCH_DURATION_S (default 4) sets the length of each run.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { Agent, request } from "node:http";
import autocannon from "autocannon";
import { Miniflare } from "miniflare";
import type { RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { freePort } from "../../test/helpers/free-port.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { buildWorker, compatibilityDate } from "../../test/helpers/wrangler-build.js";
import { type Child, startGatewayProcess } from "../lib/processes.js";
import { saveResults } from "../lib/report.js";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const LOAD_CONNECTIONS = 32;
const QUEUE_ITEMS = 1_000;
const token = `bench-${Math.random().toString(36).slice(2)}`;

interface Operation {
  name: string;
  method: "GET" | "POST";
  path: string;
  body?: string;
  /** The same operation through the client. */
  direct(client: RedgeClient): Promise<unknown>;
}

const OPERATIONS: Operation[] = [
  {
    name: "GET /cache/:ns/:key (hit)",
    method: "GET",
    path: "/cache/bench/hit",
    direct: (client) => client.cache.get("hit", { namespace: "bench" }),
  },
  {
    name: "POST /queues/:name/pull (peek)",
    method: "POST",
    path: "/queues/bench/pull",
    body: JSON.stringify({ count: 1, purge: false }),
    direct: (client) => client.priority("bench").pull({ count: 1, purge: false }),
  },
];

interface Measure {
  p50: number;
  p99: number;
  rps: number;
}

interface Result {
  operation: string;
  target: string;
  baseline?: string;
  latency: Measure;
  load: Measure;
}

async function httpRun(url: string, op: Operation, connections: number): Promise<Measure> {
  const result = await autocannon({
    url: `${url}${op.path}`,
    method: op.method,
    connections,
    pipelining: 1,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(op.body ? { body: op.body } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${op.name} at ${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average };
}

/** `inFlight` loops calling `op` for the run's duration, timing each call. */
async function directRun(op: () => Promise<unknown>, inFlight: number): Promise<Measure> {
  const samples: number[] = [];
  const started = performance.now();
  const end = started + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await op();
        samples.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50: at(0.5), p99: at(0.99), rps: samples.length / elapsed };
}

/** One keep-alive connection, one request at a time, each timed: for sub-millisecond p50s. */
async function httpLatency(url: string, op: Operation): Promise<Measure> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(`${url}${op.path}`);
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        target,
        {
          agent,
          method: op.method,
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            ...(op.body ? { "content-length": Buffer.byteLength(op.body) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.once("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`${op.name}: ${res.statusCode}`)),
          );
        },
      );
      req.once("error", reject);
      req.end(op.body);
    });
  try {
    return await directRun(once, 1);
  } finally {
    agent.destroy();
  }
}

async function warm(url: string, op: Operation): Promise<void> {
  await autocannon({
    url: `${url}${op.path}`,
    method: op.method,
    connections: 8,
    amount: 1_000,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(op.body ? { body: op.body } : {}),
  });
}

/** `redge serve` from the TypeScript source (tsx), in its own process as it runs in production. */
async function startServeProcess(redisUrl: string): Promise<Child> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "cli/index.ts", "serve", "--redis", redisUrl, "--port", String(port)],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, REDGE_TOKENS: token } },
  );
  let output = "";
  child.stdout.on("data", (d) => {
    output += String(d);
  });
  child.stderr.on("data", (d) => {
    output += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (!output.includes("listening on")) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`redge serve did not start: ${output.slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function ms(n: number): string {
  return n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function printResults(results: Result[]): void {
  console.log("\n## HTTP app (issue 6)\n");
  console.log(
    `| operation | through | p50 ms (1 conn) | p99 ms (1 conn) | req/s (${LOAD_CONNECTIONS} conns) | p99 ms (${LOAD_CONNECTIONS} conns) | vs baseline (p50 / req/s) |`,
  );
  console.log("|---|---|---:|---:|---:|---:|---|");
  for (const r of results) {
    const base = results.find((b) => b.operation === r.operation && b.target === r.baseline);
    const ratio = base
      ? `${(r.latency.p50 / base.latency.p50).toFixed(2)}× / ${(r.load.rps / base.load.rps).toFixed(2)}× ${base.target}`
      : "baseline";
    console.log(
      `| ${r.operation} | ${r.target} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${Math.round(r.load.rps).toLocaleString("en-US")} | ${ms(r.load.p99)} | ${ratio} |`,
    );
  }
}

export async function runHttpBench(): Promise<Result[]> {
  const redis = await startRedisServer();
  const gateway = await startGatewayProcess(redis.url, token);
  const [build, serve] = await Promise.all([buildWorker(), startServeProcess(redis.url)]);
  const mf = new Miniflare({
    modules: true,
    scriptPath: build.script,
    modulesRoot: build.dir,
    compatibilityDate: compatibilityDate(),
    bindings: {
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      REDGE_TOKENS: token,
    },
  });
  const tcp = createNodeClient({ url: redis.url });
  const rest = createNodeClient({ url: gateway.url, token });
  const results: Result[] = [];
  try {
    const workerUrl = (await mf.ready).origin;
    // The data every run reads: one cache entry, a queue of QUEUE_ITEMS items.
    await tcp.cache.set(
      "hit",
      { id: 42, name: "Ada", roles: ["admin"] },
      {
        namespace: "bench",
        ttlMs: 3_600_000,
      },
    );
    await tcp.priority("bench").addMany(
      Array.from({ length: QUEUE_ITEMS }, (_, i) => ({
        id: `item-${i}`,
        data: { n: i },
        priority: i % 100,
      })),
    );

    const targets = [
      {
        name: "worker (workerd, REST via gateway)",
        baseline: "client REST via gateway",
        url: workerUrl,
      },
      { name: "Node server (redge serve, TCP)", baseline: "client TCP", url: serve.url },
    ];
    for (const op of OPERATIONS) {
      results.push({
        operation: op.name,
        target: "client REST via gateway",
        latency: await directRun(() => op.direct(rest), 1),
        load: await directRun(() => op.direct(rest), LOAD_CONNECTIONS),
      });
      results.push({
        operation: op.name,
        target: "client TCP",
        latency: await directRun(() => op.direct(tcp), 1),
        load: await directRun(() => op.direct(tcp), LOAD_CONNECTIONS),
      });
      for (const target of targets) {
        await warm(target.url, op);
        results.push({
          operation: op.name,
          target: target.name,
          baseline: target.baseline,
          latency: await httpLatency(target.url, op),
          load: await httpRun(target.url, op, LOAD_CONNECTIONS),
        });
      }
    }
  } finally {
    await Promise.allSettled([
      mf.dispose(),
      serve.stop(),
      gateway.stop(),
      tcp.close(),
      rest.close(),
    ]);
    await redis.stop();
    rmSync(build.dir, { recursive: true, force: true });
  }
  printResults(results);
  console.log(
    `\nEach run ${DURATION_S} s; autocannon for HTTP, the same loop shape for the clients; all on one machine (load generator included).`,
  );
  saveResults("http", { durationS: DURATION_S, connections: LOAD_CONNECTIONS, results });
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runHttpBench();
}
