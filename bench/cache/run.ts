/**
 * Cache benchmarks (`npx tsx bench/cache/run.ts`), on a private redis-server started here (never
 * a server that happens to run, never port 6379). Everything compared is measured side by side in
 * this one run; the figures go to stdout as tables and to bench/results/cache.json.
 *
 * 1. Hit path over TCP: `cache.wrap`'s hit (canonical args → SHA-256 → GET → decode) against a
 *    raw GET of the same value, on the same client and connection, at the same concurrency, in
 *    alternating rounds (median of the rounds). Each worker reads its own key, so the cache's
 *    in-process read sharing never kicks in. Target: ≤ 1.3× the time per op of the raw GET.
 * 2. Stampede: 1,000 concurrent calls of one missing key spread over 4 separate instances (own
 *    client, own connection each — as 4 processes would be), a 50 ms function: how many times the
 *    function ran. redge (target exactly 1) side by side with bentocache and @epic-web/cachified,
 *    each with a Redis store on the same server.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { type CacheEntry, type Cache as CachifiedCache, cachified } from "@epic-web/cachified";
import { BentoCache, bentostore } from "bentocache";
import { redisDriver } from "bentocache/drivers/redis";
import { Redis } from "ioredis";
import { createCache } from "../../src/cache/index.js";
import type { RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningGateway, startGateway } from "../../test/helpers/gateway.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";

const HIT_OPS_PER_ROUND = 4_000;
const HIT_ROUNDS = 30;
const HIT_CONCURRENCY = [1, 32] as const;
const STAMPEDE_CALLS = 1_000;
const STAMPEDE_INSTANCES = 4;
const STAMPEDE_TRIALS = 5;
const FACTORY_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const user = {
  id: 42,
  name: "Ada Lovelace",
  email: "ada@example.com",
  roles: ["admin", "dev"],
  createdAt: "2024-01-01T00:00:00.000Z",
  settings: { theme: "dark", locale: "en-GB", notifications: true },
};

/** Runs `op` `total` times with `concurrency` workers in flight; returns ms taken. */
async function drive(
  concurrency: number,
  total: number,
  op: (worker: number) => Promise<unknown>,
): Promise<number> {
  let left = total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (left > 0) {
        left--;
        await op(worker);
      }
    }),
  );
  return performance.now() - started;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

interface HitResult {
  concurrency: number;
  rawGetOpsPerSec: number;
  rawGetParseOpsPerSec: number;
  cachedHitOpsPerSec: number;
  rawGetUsPerOp: number;
  cachedHitUsPerOp: number;
  /** Time per op of the cached hit ÷ that of the raw GET, median of per-round ratios (≤ 1.3). */
  ratio: number;
  ratioVsGetParse: number;
}

async function hitPath(client: RedgeClient): Promise<HitResult[]> {
  const cache = createCache(client);
  const getUser = cache.wrap(async (_id: number) => user, {
    namespace: "bench-hit",
    ttlMs: 3_600_000,
  });
  // Each worker reads its own key (the same value under 32 keys), so concurrent calls never
  // share a read: this measures the hit path's overhead, not in-process read coalescing.
  const workers = Math.max(...HIT_CONCURRENCY);
  const rawKeys = Array.from({ length: workers }, (_, w) => `bench:raw-user:${w}`);
  for (let w = 0; w < workers; w++) {
    await getUser(w);
    await client.command(["SET", rawKeys[w]!, JSON.stringify(user)]);
  }
  const ops = {
    raw: (w: number) => client.command(["GET", rawKeys[w]!]),
    rawParse: async (w: number) =>
      JSON.parse((await client.command(["GET", rawKeys[w]!])) as string),
    cached: (w: number) => getUser(w),
  };
  const results: HitResult[] = [];
  for (const concurrency of HIT_CONCURRENCY) {
    const times: Record<keyof typeof ops, number[]> = { raw: [], rawParse: [], cached: [] };
    // Warm up JIT and the connection.
    for (const op of Object.values(ops)) await drive(concurrency, 2_000, op);
    for (let round = 0; round < HIT_ROUNDS; round++) {
      // Alternate the order so neither side always runs first.
      const order = (
        round % 2 === 0 ? ["raw", "cached", "rawParse"] : ["cached", "raw", "rawParse"]
      ) as (keyof typeof ops)[];
      for (const name of order)
        times[name].push(await drive(concurrency, HIT_OPS_PER_ROUND, ops[name]));
    }
    const usPerOp = (name: keyof typeof ops) => (median(times[name]) * 1000) / HIT_OPS_PER_ROUND;
    const raw = usPerOp("raw");
    const rawParse = usPerOp("rawParse");
    const cached = usPerOp("cached");
    // Ratios are taken round by round (the two sides ran back to back), then the median: a
    // machine that slows down for a while slows both sides of the same round.
    const pairRatio = (name: keyof typeof ops) =>
      median(times.cached.map((t, i) => t / times[name][i]!));
    results.push({
      concurrency,
      rawGetOpsPerSec: Math.round(1e6 / raw),
      rawGetParseOpsPerSec: Math.round(1e6 / rawParse),
      cachedHitOpsPerSec: Math.round(1e6 / cached),
      rawGetUsPerOp: round2(raw),
      cachedHitUsPerOp: round2(cached),
      ratio: round2(pairRatio("raw")),
      ratioVsGetParse: round2(pairRatio("rawParse")),
    });
  }
  return results;
}

interface StampedeResult {
  library: string;
  /** Times the function ran, per trial. */
  runs: number[];
  /** Wall time until all 1,000 calls had their value, per trial (ms). */
  wallMs: number[];
  /** Calls that did not get the right value. */
  wrong: number;
}

type Caller = (key: string, factory: () => Promise<string>) => Promise<string>;

async function stampede(library: string, callers: Caller[]): Promise<StampedeResult> {
  const result: StampedeResult = { library, runs: [], wallMs: [], wrong: 0 };
  for (let trial = 0; trial < STAMPEDE_TRIALS; trial++) {
    const key = `stampede-${library.replace(/\W+/g, "-")}-${trial}-${Math.random().toString(36).slice(2, 8)}`;
    let runs = 0;
    const factory = async () => {
      runs++;
      await sleep(FACTORY_MS);
      return `value of ${key}`;
    };
    const started = performance.now();
    const values = await Promise.all(
      Array.from({ length: STAMPEDE_CALLS }, (_, i) =>
        callers[i % callers.length]!(key, factory).catch((e: unknown) => `error: ${String(e)}`),
      ),
    );
    result.wallMs.push(Math.round(performance.now() - started));
    result.runs.push(runs);
    result.wrong += values.filter((v) => v !== `value of ${key}`).length;
    await sleep(100); // let background writes settle before the next trial
  }
  return result;
}

/** A Redis store for cachified (what `cachified-redis-adapter` does, on ioredis). */
function cachifiedRedis(redis: Redis): CachifiedCache {
  return {
    name: "redis",
    async get(key) {
      const raw = await redis.get(key);
      return raw === null ? null : (JSON.parse(raw) as CacheEntry);
    },
    async set(key, entry) {
      const ttl = entry.metadata.ttl;
      const body = JSON.stringify(entry);
      if (typeof ttl === "number" && Number.isFinite(ttl))
        await redis.set(key, body, "PX", Math.max(1, Math.ceil(ttl)));
      else await redis.set(key, body);
    },
    async delete(key) {
      await redis.del(key);
    },
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function table(title: string, header: string[], rows: (string | number)[][]): void {
  console.log(`\n## ${title}\n`);
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const row of rows)
    console.log(
      `| ${row.map((c) => (typeof c === "number" ? c.toLocaleString("en-US") : c)).join(" | ")} |`,
    );
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const port = redis.port;
  const closers: (() => Promise<unknown>)[] = [];
  let gateway: RunningGateway | undefined;
  try {
    const tcp = () => {
      const client = createNodeClient({ url: redis.url, commandTimeoutMs: 60_000 });
      closers.push(() => client.close());
      return client;
    };

    // 1. Hit path.
    console.log("# redge cache benchmarks");
    console.log(
      `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), redis-server on 127.0.0.1:${port}`,
    );
    const hits = await hitPath(tcp());
    table(
      `Hit path over TCP (same client and connection; ${HIT_ROUNDS} alternating rounds of ${HIT_OPS_PER_ROUND.toLocaleString("en-US")} ops, medians)`,
      [
        "in flight",
        "raw GET ops/s",
        "raw GET + JSON.parse ops/s",
        "cache.wrap hit ops/s",
        "µs/op raw → hit",
        "hit ÷ raw GET (time/op)",
        "target",
      ],
      hits.map((h) => [
        h.concurrency,
        h.rawGetOpsPerSec,
        h.rawGetParseOpsPerSec,
        h.cachedHitOpsPerSec,
        `${h.rawGetUsPerOp} → ${h.cachedHitUsPerOp}`,
        `${h.ratio.toFixed(2)}× (${h.ratioVsGetParse.toFixed(2)}× GET+parse)`,
        "≤ 1.30×",
      ]),
    );

    // 2. Stampede.
    const results: StampedeResult[] = [];
    {
      const callers: Caller[] = Array.from({ length: STAMPEDE_INSTANCES }, () => {
        const wrapped = createCache(tcp()).wrap(
          (_key: string, factory: () => Promise<string>) => factory(),
          {
            namespace: "bench-stampede",
            ttlMs: 60_000,
            skipArgs: [1],
          },
        );
        return (key, factory) => wrapped(key, factory);
      });
      results.push(await stampede("redge (TCP)", callers));
    }
    try {
      gateway = await startGateway({ redisUrl: redis.url });
      const gw = gateway;
      const callers: Caller[] = Array.from({ length: STAMPEDE_INSTANCES }, () => {
        const client = createNodeClient({ url: gw.url, token: gw.token, commandTimeoutMs: 60_000 });
        closers.push(() => client.close());
        const wrapped = createCache(client).wrap(
          (_key: string, factory: () => Promise<string>) => factory(),
          {
            namespace: "bench-stampede-rest",
            ttlMs: 60_000,
            skipArgs: [1],
          },
        );
        return (key, factory) => wrapped(key, factory);
      });
      results.push(await stampede("redge (REST via gateway)", callers));
    } catch (error) {
      console.error(`(REST stampede skipped: ${String(error)})`);
    }
    {
      const callers: Caller[] = Array.from({ length: STAMPEDE_INSTANCES }, () => {
        const bento = new BentoCache({
          default: "redis",
          stores: {
            redis: bentostore().useL2Layer(
              redisDriver({ connection: { host: "127.0.0.1", port } }),
            ),
          },
        });
        closers.push(() => bento.disconnect());
        return (key, factory) => bento.getOrSet({ key, factory, ttl: "1m" });
      });
      results.push(await stampede("bentocache 1.6.1 (Redis L2)", callers));
    }
    {
      const callers: Caller[] = Array.from({ length: STAMPEDE_INSTANCES }, () => {
        const connection = new Redis(redis.url);
        closers.push(async () => connection.disconnect());
        const store = cachifiedRedis(connection);
        return (key, factory) =>
          cachified({ key, cache: store, getFreshValue: factory, ttl: 60_000 });
      });
      results.push(await stampede("@epic-web/cachified 5.6.3 (Redis store)", callers));
    }
    table(
      `Stampede: ${STAMPEDE_CALLS.toLocaleString("en-US")} concurrent calls of one missing key over ${STAMPEDE_INSTANCES} instances, ${FACTORY_MS} ms function, ${STAMPEDE_TRIALS} trials`,
      [
        "library",
        "function runs per trial",
        "max runs",
        "wall ms (median)",
        "wrong answers",
        "target",
      ],
      results.map((r) => [
        r.library,
        r.runs.join(", "),
        Math.max(...r.runs),
        median(r.wallMs),
        r.wrong,
        r.library.startsWith("redge") ? "exactly 1" : "",
      ]),
    );

    const record = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      hitPath: {
        opsPerRound: HIT_OPS_PER_ROUND,
        rounds: HIT_ROUNDS,
        results: hits,
        target: "ratio ≤ 1.3",
      },
      stampede: {
        calls: STAMPEDE_CALLS,
        instances: STAMPEDE_INSTANCES,
        factoryMs: FACTORY_MS,
        trials: STAMPEDE_TRIALS,
        results,
        target: "redge: exactly 1 run per trial",
      },
    };
    const dir = new URL("../results/", import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL("cache.json", dir), `${JSON.stringify(record, null, 2)}\n`);
    console.log("\nwrote bench/results/cache.json");
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await gateway?.close().catch(() => {});
    await redis.stop();
  }
}

await main();
