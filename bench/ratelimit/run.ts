/**
 * The rate limiter side by side with @upstash/ratelimit, both over REST through `redge gateway`
 * (its own process, with --allow-scripts so @upstash/ratelimit's scripts run; its Redis user
 * barred from the denied commands, as the gateway requires) on the same redis-server, both over
 * fetch (redge's `createClient`, @upstash/redis' `Redis`):
 *
 * - throughput: limit() calls per second, one at a time and 16 at a time, over 100 identifiers
 *   with a limit no call reaches (the path every admitted request takes), then the same with a
 *   limit every identifier hits (the path of refused requests);
 * - round trips per call: HTTP requests (counted at fetch) per limit() call. One call is one
 *   script; calls made at the same time share a /pipeline request (both clients pipeline
 *   automatically: redge's REST transport, and @upstash/redis by default);
 * - redis-server CPU per call (INFO cpu).
 *
 * `npx tsx bench/ratelimit/run.ts` (or `npm run bench -- ratelimit`). Prints the tables with
 * ratios, writes bench/results/ratelimit.json, and stops everything it started.
 */
import { randomUUID } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis } from "ioredis";
import { createClient, type RatelimitAlgorithm } from "../../src/index.js";
import { createScriptUser } from "../../test/helpers/acl.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { startGatewayProcess } from "../lib/processes.js";
import { saveResults } from "../lib/report.js";
import { printTable, serverCpuUs } from "../priority/harness.js";

/** Calls per measurement, by calls in flight. */
const RUNS: [inFlight: number, calls: number][] = [
  [1, 1_500],
  [16, 6_000],
];
const IDENTIFIERS = 100;
// Long windows: no window rolls over during a measurement (fixed windows align to the epoch).
const WINDOW_MS = 3_600_000;

interface Run {
  system: string;
  algorithm: string;
  path: "admitted" | "refused";
  inFlight: number;
  callsPerSec: number;
  roundTripsPerCall: number;
  serverCpuUsPerCall: number;
  admitted: number;
}

type Limit = (identifier: string) => Promise<{ success: boolean }>;

// Both libraries use the global fetch: counting its calls counts the HTTP round trips.
let requests = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
  requests++;
  return realFetch(...args);
}) as typeof fetch;

const redis = await startRedisServer();
const admin = new Redis(redis.url);
const token = `bench-${randomUUID()}`;
const userUrl = await createScriptUser(redis.url);
const gateway = await startGatewayProcess(userUrl, token, ["--allow-scripts"]);
const redge = createClient({ url: gateway.url, token, commandTimeoutMs: 60_000 });
// Its defaults, as users get them (auto-pipelining on: calls made together share a request).
const upstash = new UpstashRedis({ url: gateway.url, token });

function upstashLimiter(algorithm: RatelimitAlgorithm, limit: number, prefix: string): Limit {
  const limiter =
    algorithm === "sliding"
      ? Ratelimit.slidingWindow(limit, `${WINDOW_MS} ms`)
      : algorithm === "fixed"
        ? Ratelimit.fixedWindow(limit, `${WINDOW_MS} ms`)
        : Ratelimit.tokenBucket(limit, `${WINDOW_MS} ms`, limit);
  // No ephemeral cache: it answers refused identifiers from memory, without asking Redis, which
  // is not exact across instances; both sides then ask Redis on every call.
  const ratelimit = new Ratelimit({
    redis: upstash,
    limiter,
    prefix,
    ephemeralCache: false,
    analytics: false,
  });
  return (identifier) => ratelimit.limit(identifier);
}

function redgeLimiter(algorithm: RatelimitAlgorithm, limit: number, prefix: string): Limit {
  const limiter = redge.ratelimit({ limit, windowMs: WINDOW_MS, algorithm, prefix });
  return (identifier) => limiter.limit(identifier);
}

async function measure(
  system: string,
  algorithm: RatelimitAlgorithm,
  path: Run["path"],
  make: (algorithm: RatelimitAlgorithm, limit: number, prefix: string) => Limit,
  inFlight: number,
  calls: number,
): Promise<Run> {
  // Admitted: a limit no identifier reaches. Refused: each identifier's limit is used up first.
  const limit = path === "admitted" ? 1_000_000 : 5;
  const run = make(algorithm, limit, `bench-${system}-${algorithm}-${path}-${randomUUID()}`);
  for (let i = 0; i < IDENTIFIERS * (path === "refused" ? 5 : 1); i++) {
    await run(`user-${i % IDENTIFIERS}`);
  }
  const cpu0 = await serverCpuUs(admin);
  requests = 0;
  let next = 0;
  let admitted = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < calls; i = next++) {
        if ((await run(`user-${i % IDENTIFIERS}`)).success) admitted++;
      }
    }),
  );
  const ms = performance.now() - started;
  const cpu1 = await serverCpuUs(admin);
  return {
    system,
    algorithm,
    path,
    inFlight,
    callsPerSec: (calls / ms) * 1_000,
    roundTripsPerCall: requests / calls,
    serverCpuUsPerCall: (cpu1 - cpu0) / calls,
    admitted,
  };
}

const runs: Run[] = [];
try {
  for (const [inFlight, calls] of RUNS) {
    for (const algorithm of ["sliding", "fixed", "token-bucket"] as const) {
      for (const path of ["admitted", "refused"] as const) {
        // Best of three, alternating, on a shared machine.
        const best: Run[] = [];
        for (let round = 0; round < 3; round++) {
          const pair = [
            await measure(
              "@upstash/ratelimit 2.0.8",
              algorithm,
              path,
              upstashLimiter,
              inFlight,
              calls,
            ),
            await measure("redge", algorithm, path, redgeLimiter, inFlight, calls),
          ];
          pair.forEach((r, k) => {
            if (!best[k] || r.callsPerSec > best[k]!.callsPerSec) best[k] = r;
          });
        }
        runs.push(...best);
      }
    }
  }
  const rows: (string | number)[][] = [];
  for (let i = 0; i < runs.length; i += 2) {
    const [up, re] = [runs[i]!, runs[i + 1]!];
    for (const r of [up, re]) {
      rows.push([
        `${r.algorithm}, ${r.path}, ${r.inFlight} in flight`,
        r.system,
        r.callsPerSec,
        r.roundTripsPerCall,
        r.serverCpuUsPerCall,
        String(r.admitted),
      ]);
    }
    rows.push([
      `${re.algorithm}, ${re.path}, ${re.inFlight} in flight`,
      "ratio redge / upstash",
      `${(re.callsPerSec / up.callsPerSec).toFixed(2)}×`,
      `${(re.roundTripsPerCall / up.roundTripsPerCall).toFixed(2)}×`,
      `${(re.serverCpuUsPerCall / up.serverCpuUsPerCall).toFixed(2)}×`,
      "",
    ]);
  }
  printTable(
    `Rate limiter through redge gateway (REST over fetch), ${IDENTIFIERS} identifiers, best of 3`,
    ["algorithm, path", "system", "calls/s", "round trips/call", "redis CPU µs/call", "admitted"],
    rows,
  );
  saveResults("ratelimit", { runs });
} finally {
  globalThis.fetch = realFetch;
  await redge.close();
  admin.disconnect();
  await gateway.stop();
  await redis.stop();
}
