/**
 * The speed table (issue 16): each row measures a redge path and its reference in the same run,
 * on one private redis-server, as ratios; rounds are repeated and interleaved (redge first in
 * odd rounds, the reference first in even ones) and the median of each side is kept, so a
 * machine that slows down mid-run hits both sides alike. The load average is printed before and
 * after. `BENCH_ROUNDS` (default 3), `BENCH_DURATION_S` (default 5 per measurement) and
 * `BENCH_ROWS` (comma-separated row keys) narrow it down.
 *
 * Rows (key: redge vs reference):
 *   gateway    gateway capacity, POST ["GET","k"], wrk c=64 / a trivial node:http server
 *   official   @upstash/redis through the gateway, auto-pipelined SET, 64 in flight / ioredis direct
 *   pipeline   @upstash/redis pipelines of 100 through the gateway / ioredis pipelines of 100
 *   serve-get  redge serve GET /cache hit, wrk c=64 / a trivial Hono app on @hono/node-server
 *   serve-pull redge serve POST /queues/:name/pull (peek), wrk c=64 / the same trivial Hono app
 *   rest       redge's Node REST client, 64 concurrent single GETs / @upstash/redis auto-pipelined
 *   worker     the worker in workerd (Miniflare), GET /cache hit via the gateway, wrk c=64 / a
 *              trivial worker doing one fetch to the trivial node:http server, in workerd too
 *   pull       priority pull TCP, 4 in flight, count 100, purge / raw ZPOPMIN key 100 (ioredis);
 *              plus Redis CPU per pulled item
 *   bull-add, bull-consume, bull-lease
 *              priority stream vs BullMQ on the same redis-server, BULL_JOBS jobs: addMany of 1,000
 *              / addBulk of 1,000; pull(count 100, purge), 4 in flight / a Worker (concurrency
 *              1,000, no-op processor, removeOnComplete); pull(count 100, leaseMs) + ack, 4 in
 *              flight / the same Worker run (its only mode takes a lock and completes each job)
 *
 * The HTTP rows also measure a bare server doing the same Redis work on the reference's framework
 * (node:http for the gateway, Hono for serve) and nothing else (bare-server.ts): redge / bare is
 * the cost of redge's own layers, bare / reference what the Redis round trip costs any server on
 * the same two cores. A second table says where the CPU went while redge's side ran.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Queue, Worker } from "bullmq";
import { Redis as IORedis } from "ioredis";
import { Miniflare } from "miniflare";
import { createNodeClient } from "../../src/node.js";
import { freePort } from "../../test/helpers/free-port.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { buildWorker, compatibilityDate } from "../../test/helpers/wrangler-build.js";
import { type CpuSplit, measureCpu } from "../lib/cpu-split.js";
import { type Child, startGatewayProcess, startTrivialServer } from "../lib/processes.js";
import { saveResults } from "../lib/report.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ONLY = process.env.BENCH_ROWS?.split(",").map((s) => s.trim());
const token = `bench-${Math.random().toString(36).slice(2)}`;
/** Items a pull row drains (refilled before each measurement). */
const PULL_ITEMS = Number(process.env.BENCH_PULL_ITEMS ?? 300_000);
/** Jobs per side in the BullMQ rows. */
const BULL_JOBS = Number(process.env.BENCH_BULL_JOBS ?? 50_000);

interface RowSpec {
  key: string;
  title: string;
  unit: string;
  target: number;
  redge: () => Promise<number>;
  reference: () => Promise<number>;
  referenceName: string;
  /** The same Redis work on a bare node:http server (HTTP rows). */
  bare?: () => Promise<number>;
}

function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
}

/** Requests/s from wrk (64 connections, 2 threads) against `url`, with an optional body. */
function wrk(
  url: string,
  options: { method?: string; body?: string; auth?: boolean } = {},
): number {
  const dir = mkdtempSync(join(tmpdir(), "redge-wrk-"));
  const script = join(dir, "request.lua");
  writeFileSync(
    script,
    [
      `wrk.method = "${options.method ?? "GET"}"`,
      options.body ? `wrk.body = '${options.body}'` : "",
      'wrk.headers["Content-Type"] = "application/json"',
      options.auth === false ? "" : `wrk.headers["Authorization"] = "Bearer ${token}"`,
    ].join("\n"),
  );
  const out = execFileSync(
    "wrk",
    ["-t2", "-c64", `-d${DURATION_S}s`, "-s", script, "--latency", url],
    { encoding: "utf8" },
  );
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1];
  if (errors && Number(errors) > 0) throw new Error(`wrk saw ${errors} error answers from ${url}`);
  return Number(rps);
}

/**
 * Operations/s of `task` kept `inFlight` at a time for DURATION_S, or until a task returns
 * `false` (a drained queue): the time counted ends there.
 */
async function loop(inFlight: number, task: () => Promise<unknown>, perTask = 1): Promise<number> {
  let done = 0;
  let stop = false;
  const until = performance.now() + DURATION_S * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (!stop && performance.now() < until) {
        if ((await task()) === false) stop = true;
        else done += perTask;
      }
    }),
  );
  return (done * 1000) / (performance.now() - started);
}

/** A trivial Hono app on @hono/node-server answering constant JSON: the app's ceiling. */
async function startTrivialHono(): Promise<Child> {
  const port = await freePort();
  const source = `
    import { Hono } from "hono";
    import { serve } from "@hono/node-server";
    const app = new Hono();
    app.all("*", (c) => c.json({ value: { id: 42, name: "Ada", roles: ["admin"] } }));
    serve({ fetch: app.fetch, port: ${port}, hostname: "127.0.0.1" });
  `;
  return spawnServer(["--input-type=module", "-e", source], port, {});
}

/** bare-server.ts in `mode`, its own process (through tsx, as the benchmark itself runs). */
async function startBare(mode: string, redisUrl: string): Promise<Child> {
  const port = await freePort();
  return spawnServer(
    ["--import", "tsx", "bench/speed/bare-server.ts", mode, redisUrl, String(port)],
    port,
    {},
  );
}

/** A worker in its own workerd (Miniflare), and its URL. */
async function startWorkerd(
  options: ConstructorParameters<typeof Miniflare>[0],
): Promise<{ url: string; stop(): Promise<void> }> {
  const mf = new Miniflare(options);
  const url = (await mf.ready).origin;
  return { url, stop: () => mf.dispose() };
}

/** Items/s of `count` jobs: BullMQ addBulk of 1,000, then one Worker consuming them all. */
async function bullmqRun(
  redisUrl: string,
  jobs: number,
): Promise<{ add: number; consume: number }> {
  const { port } = new URL(redisUrl);
  const connection = { host: "127.0.0.1", port: Number(port), maxRetriesPerRequest: null };
  const queue = new Queue("speed-bullmq", { connection });
  await queue.obliterate({ force: true });
  const data = { payload: "payload-0123456789ab" };
  let started = performance.now();
  for (let from = 0; from < jobs; from += 1_000) {
    const batch = [];
    for (let i = from; i < Math.min(from + 1_000, jobs); i++) {
      batch.push({ name: "job", data, opts: { priority: 1 + (i % 100), removeOnComplete: true } });
    }
    await queue.addBulk(batch);
  }
  const add = (jobs * 1000) / (performance.now() - started);
  let done = 0;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = new Worker("speed-bullmq", async () => {}, {
    connection,
    concurrency: 1_000,
    autorun: false,
  });
  worker.on("completed", () => {
    if (++done === jobs) finish();
  });
  started = performance.now();
  void worker.run();
  await finished;
  const consume = (jobs * 1000) / (performance.now() - started);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { add, consume };
}

/** `redge serve` through the built CLI, as users run it. */
async function startServe(redisUrl: string): Promise<Child> {
  const port = await freePort();
  return spawnServer(["bin/redge.js", "serve", "--redis", redisUrl, "--port", String(port)], port, {
    REDGE_TOKENS: token,
  });
}

async function spawnServer(args: string[], port: number, env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += String(d);
  });
  child.stderr.on("data", (d) => {
    output += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`${url}/health`);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`server did not start: ${output.slice(-600)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const loadBefore = load();
  const redis = await startRedisServer();
  const gateway = await startGatewayProcess(redis.url, token);
  const trivial = await startTrivialServer();
  const hono = await startTrivialHono();
  const serve = await startServe(redis.url);
  const [bareGateway, bareCache, barePeek, build] = await Promise.all([
    startBare("gateway", redis.url),
    startBare("cache", redis.url),
    startBare("peek", redis.url),
    buildWorker(),
  ]);
  const worker = await startWorkerd({
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
  const trivialWorker = await startWorkerd({
    modules: true,
    compatibilityDate: compatibilityDate(),
    bindings: { TRIVIAL_URL: trivial.url },
    script: `export default {
      async fetch(request, env) {
        const answer = await fetch(env.TRIVIAL_URL, { method: "POST", body: '["GET","k"]' });
        return new Response(await answer.text(), { headers: { "content-type": "application/json" } });
      },
    };`,
  });
  const io = new IORedis(redis.url);
  const official = new UpstashRedis({ url: gateway.url, token, enableAutoPipelining: true });
  const officialPlain = new UpstashRedis({ url: gateway.url, token });
  const tcp = createNodeClient({ url: redis.url });
  const rest = createNodeClient({ url: gateway.url, token });
  try {
    await io.set("k", "v");
    await tcp.cache.set(
      "hit",
      { id: 42, name: "Ada", roles: ["admin"] },
      {
        namespace: "bench",
        ttlMs: 3_600_000,
      },
    );
    await tcp.priority("peek").addMany(
      Array.from({ length: 1_000 }, (_, i) => ({
        id: `i${i}`,
        data: { n: i },
        priority: i % 100,
      })),
    );
    const pipelineOf100 = async (run: (i: number) => void, exec: () => Promise<unknown>) => {
      for (let i = 0; i < 100; i++) run(i);
      await exec();
    };

    // Pull rows refill the stream they drain before every measurement.
    const fill = async (name: string) => {
      const stream = tcp.priority(name);
      await stream.clear();
      for (let from = 0; from < PULL_ITEMS; from += 5_000) {
        await stream.addMany(
          Array.from({ length: 5_000 }, (_, i) => ({
            id: `p${from + i}`,
            data: "x",
            priority: (from + i) % 100,
          })),
        );
      }
    };
    const fillZset = async () => {
      await io.del("raw");
      for (let from = 0; from < PULL_ITEMS; from += 5_000) {
        const args: (string | number)[] = [];
        for (let i = from; i < from + 5_000; i++) args.push(i % 100, `p${i}`);
        await io.zadd("raw", ...args);
      }
    };
    // The BullMQ rows share one run per side and round: the add row starts it, the others read it.
    let round = 0;
    const bullRuns = new Map<number, Promise<{ add: number; consume: number }>>();
    const bullFor = (r: number) => {
      if (!bullRuns.has(r)) bullRuns.set(r, bullmqRun(redis.url, BULL_JOBS));
      return bullRuns.get(r)!;
    };
    const redgeRuns = new Map<number, Promise<{ add: number; consume: number }>>();
    const jobData = { payload: "payload-0123456789ab" };
    const addJobs = async (name: string) => {
      const stream = tcp.priority(name);
      await stream.clear();
      const started = performance.now();
      for (let from = 0; from < BULL_JOBS; from += 1_000) {
        const batch = [];
        for (let i = from; i < Math.min(from + 1_000, BULL_JOBS); i++) {
          batch.push({ id: `job:${i}`, data: jobData, priority: 1 + (i % 100) });
        }
        await stream.addMany(batch);
      }
      return (BULL_JOBS * 1000) / (performance.now() - started);
    };
    const drain = async (name: string, lease: boolean) => {
      const stream = tcp.priority(name);
      let done = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (;;) {
            const got = lease
              ? await stream.pull({ count: 100, leaseMs: 60_000 })
              : await stream.pull({ count: 100 });
            if (got.length === 0) return;
            if (lease) {
              const acked = await stream.ack(
                got.map((item) => ({ id: item.id, leasedUntil: item.leasedUntil! })),
              );
              if (acked.length !== got.length) throw new Error("an ack was refused");
            }
            done += got.length;
          }
        }),
      );
      if (done !== BULL_JOBS) throw new Error(`redge consumed ${done} of ${BULL_JOBS}`);
      return (done * 1000) / (performance.now() - started);
    };
    const redgeFor = (r: number) => {
      if (!redgeRuns.has(r)) {
        redgeRuns.set(
          r,
          (async () => {
            const add = await addJobs("speed-jobs");
            return { add, consume: await drain("speed-jobs", false) };
          })(),
        );
      }
      return redgeRuns.get(r)!;
    };

    let cpuPerItem: number[] = [];
    let rawCpuPerItem: number[] = [];
    const cpu = async () => {
      const info = String(await io.info("cpu"));
      const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
      const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
      return (user + sys) * 1e6;
    };

    const rows: RowSpec[] = [
      {
        key: "gateway",
        title: 'gateway capacity, POST ["GET","k"], wrk c=64',
        unit: "req/s",
        target: 0.85,
        redge: async () => wrk(`${gateway.url}/`, { method: "POST", body: '["GET","k"]' }),
        referenceName: "trivial node:http server",
        reference: async () => wrk(`${trivial.url}/`, { method: "POST", body: '["GET","k"]' }),
        bare: async () => wrk(`${bareGateway.url}/`, { method: "POST", body: '["GET","k"]' }),
      },
      {
        key: "official",
        title: "@upstash/redis through the gateway, auto-pipelined SET, 64 in flight",
        unit: "ops/s",
        target: 0.45,
        redge: () => loop(64, () => official.set("k", "v")),
        referenceName: "ioredis direct",
        reference: () => loop(64, () => io.set("k", "v")),
      },
      {
        key: "pipeline",
        title: "@upstash/redis pipelines of 100 SET",
        unit: "cmds/s",
        target: 0.35,
        redge: () =>
          loop(
            4,
            () => {
              const p = officialPlain.pipeline();
              return pipelineOf100(
                (i) => p.set(`k${i}`, "v"),
                () => p.exec(),
              );
            },
            100,
          ),
        referenceName: "ioredis pipelines of 100",
        reference: () =>
          loop(
            4,
            () => {
              const p = io.pipeline();
              return pipelineOf100(
                (i) => p.set(`k${i}`, "v"),
                () => p.exec(),
              );
            },
            100,
          ),
      },
      {
        key: "serve-get",
        title: "redge serve GET /cache hit, wrk c=64",
        unit: "req/s",
        target: 0.7,
        redge: async () => wrk(`${serve.url}/cache/bench/hit`),
        referenceName: "trivial Hono app",
        reference: async () => wrk(`${hono.url}/cache/bench/hit`),
        bare: async () => wrk(`${bareCache.url}/cache/bench/hit`),
      },
      {
        key: "serve-pull",
        title: "redge serve POST /queues/:name/pull (peek), wrk c=64",
        unit: "req/s",
        target: 0.5,
        redge: async () =>
          wrk(`${serve.url}/queues/peek/pull`, {
            method: "POST",
            body: JSON.stringify({ count: 1, purge: false }),
          }),
        referenceName: "trivial Hono app",
        reference: async () =>
          wrk(`${hono.url}/queues/peek/pull`, {
            method: "POST",
            body: JSON.stringify({ count: 1, purge: false }),
          }),
        bare: async () =>
          wrk(`${barePeek.url}/queues/peek/pull`, {
            method: "POST",
            body: JSON.stringify({ count: 1, purge: false }),
          }),
      },
      {
        key: "worker",
        title: "worker in workerd (Miniflare), GET /cache hit via the gateway, wrk c=64",
        unit: "req/s",
        target: 0.8,
        redge: async () => wrk(`${worker.url}/cache/bench/hit`),
        referenceName: "trivial worker, one fetch to the trivial server",
        reference: async () => wrk(`${trivialWorker.url}/`, { auth: false }),
      },
      {
        key: "rest",
        title: "redge Node REST client, 64 concurrent single GETs",
        unit: "ops/s",
        target: 1.0,
        redge: () => loop(64, () => rest.command(["GET", "k"])),
        referenceName: "@upstash/redis auto-pipelined",
        reference: () => loop(64, () => official.get("k")),
      },
      {
        key: "pull",
        title: "priority pull, TCP, 4 in flight, count 100, purge",
        unit: "items/s",
        target: 0.3,
        redge: async () => {
          await fill("pull");
          const stream = tcp.priority("pull");
          const before = await cpu();
          let items = 0;
          const started = performance.now();
          await loop(4, async () => {
            const got = (await stream.pull({ count: 100 })).length;
            items += got;
            return got === 100;
          });
          const elapsedMs = performance.now() - started;
          cpuPerItem.push(((await cpu()) - before) / Math.max(1, items));
          return (items * 1000) / elapsedMs;
        },
        referenceName: "raw ZPOPMIN key 100 (ioredis)",
        reference: async () => {
          await fillZset();
          const before = await cpu();
          let items = 0;
          const started = performance.now();
          await loop(4, async () => {
            const got = (await io.zpopmin("raw", 100)).length / 2;
            items += got;
            return got === 100;
          });
          const elapsedMs = performance.now() - started;
          rawCpuPerItem.push(((await cpu()) - before) / Math.max(1, items));
          return (items * 1000) / elapsedMs;
        },
      },
      {
        key: "bull-add",
        title: `priority addMany vs BullMQ addBulk, batches of 1,000, ${BULL_JOBS.toLocaleString("en-US")} jobs`,
        unit: "jobs/s",
        target: 10,
        redge: async () => (await redgeFor(round)).add,
        referenceName: "BullMQ 6.7",
        reference: async () => (await bullFor(round)).add,
      },
      {
        key: "bull-consume",
        title: "priority pull(count 100, purge), 4 in flight, vs a BullMQ Worker",
        unit: "jobs/s",
        target: 10,
        redge: async () => (await redgeFor(round)).consume,
        referenceName: "BullMQ Worker, concurrency 1,000",
        reference: async () => (await bullFor(round)).consume,
      },
      {
        key: "bull-lease",
        title: "priority pull(count 100, leaseMs) + ack, 4 in flight, vs a BullMQ Worker",
        unit: "jobs/s",
        target: 10,
        redge: async () => {
          await addJobs("speed-leases");
          return drain("speed-leases", true);
        },
        referenceName: "BullMQ Worker, concurrency 1,000",
        reference: async () => (await bullFor(round)).consume,
      },
    ];

    const chosen = rows.filter((r) => !ONLY || ONLY.includes(r.key));
    const results = new Map<
      string,
      { redge: number[]; reference: number[]; bare: number[]; cpu: CpuSplit[] }
    >();
    // The CPU of every process of the run while redge's side is measured (wrk and workerd are
    // what the named ones leave of the machine's busy time).
    const pids = {
      "redis-server": redis.process.pid,
      "bench process": process.pid,
      gateway: gateway.process.pid,
      "redge serve": serve.process.pid,
    };
    for (round = 0; round < ROUNDS; round++) {
      for (const row of chosen) {
        const entry = results.get(row.key) ?? { redge: [], reference: [], bare: [], cpu: [] };
        results.set(row.key, entry);
        const measureRedge = async () => {
          const { value, split } = await measureCpu(pids, row.redge);
          entry.redge.push(value);
          entry.cpu.push(split);
        };
        if (round % 2 === 0) {
          await measureRedge();
          entry.reference.push(await row.reference());
          if (row.bare) entry.bare.push(await row.bare());
        } else {
          if (row.bare) entry.bare.push(await row.bare());
          entry.reference.push(await row.reference());
          await measureRedge();
        }
      }
    }

    console.log(
      `\n## Speed (issue 16): medians of ${ROUNDS} interleaved rounds, ${DURATION_S} s each`,
    );
    console.log(`load average before ${loadBefore}, after ${load()}\n`);
    console.log(
      "| path | redge | reference | ratio | target | bare server, same Redis work | redge / bare | bare / reference |",
    );
    console.log("|---|---:|---:|---:|---|---:|---:|---:|");
    const record: Record<string, unknown> = {};
    for (const row of chosen) {
      const entry = results.get(row.key)!;
      const redge = median(entry.redge);
      const reference = median(entry.reference);
      const ratio = redge / reference;
      const bare = entry.bare.length > 0 ? median(entry.bare) : undefined;
      record[row.key] = { ...entry, ratio };
      const bareCells =
        bare === undefined
          ? "| | | |"
          : `| ${Math.round(bare).toLocaleString("en-US")} | ${(redge / bare).toFixed(2)} | ${(bare / reference).toFixed(2)} |`;
      console.log(
        `| ${row.title} | ${Math.round(redge).toLocaleString("en-US")} ${row.unit} | ${row.referenceName}: ${Math.round(reference).toLocaleString("en-US")} | ${ratio.toFixed(2)} | ≥ ${row.target} ${ratio >= row.target ? "✓" : "✗"} ${bareCells}`,
      );
    }
    console.log(
      "\nCPU while redge's side ran (% of one core, mean of the rounds; the machine has 200 %):\n",
    );
    console.log(
      "| path | machine busy | redis-server | bench process | gateway | redge serve | other (wrk, workerd) |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const row of chosen) {
      const splits = results.get(row.key)!.cpu;
      const mean = (f: (s: CpuSplit) => number) =>
        splits.reduce((sum, s) => sum + f(s), 0) / Math.max(1, splits.length);
      const machine = mean((s) => s.machine);
      if (machine === 0) {
        // bull-consume: its redge side is the run bull-add measured (one run per side and round).
        console.log(`| ${row.key} | (ran within bull-add's measurement) | | | | | |`);
        continue;
      }
      const named = Object.keys(pids).map((name) => mean((s) => s.processes[name] ?? 0));
      const other = Math.max(0, machine - named.reduce((a, b) => a + b, 0));
      const pct = (v: number) => `${Math.round(v)} %`;
      console.log(
        `| ${row.key} | ${pct(machine)} | ${named.map(pct).join(" | ")} | ${pct(other)} |`,
      );
    }
    if (cpuPerItem.length > 0) {
      console.log(
        `\nRedis CPU per pulled item (pull row): ${median(cpuPerItem).toFixed(2)} µs (target ≤ 3); ` +
          `raw ZPOPMIN in the same run: ${median(rawCpuPerItem).toFixed(2)} µs`,
      );
      record.pullCpuUsPerItem = cpuPerItem;
      record.zpopminCpuUsPerItem = rawCpuPerItem;
    }
    saveResults("speed", { load: { before: loadBefore, after: load() }, rows: record });
    cpuPerItem = [];
    rawCpuPerItem = [];
  } finally {
    io.disconnect();
    await Promise.all([tcp.close(), rest.close()]);
    await Promise.all([
      gateway.stop(),
      trivial.stop(),
      hono.stop(),
      serve.stop(),
      bareGateway.stop(),
      bareCache.stop(),
      barePeek.stop(),
      worker.stop(),
      trivialWorker.stop(),
    ]);
    rmSync(build.dir, { recursive: true, force: true });
    await redis.stop();
  }
}

await main();
