/**
 * Gateway benchmark (issue 3), all against one private redis-server in one run:
 *  1. capacity: SET from wrk (or autocannon when wrk is missing) with 64 connections, gateway vs
 *     a trivial Node HTTP server;
 *  2. @upstash/redis (auto-pipelining, its default) SET with 64 in flight through the gateway,
 *     vs ioredis direct with 64 in flight;
 *  3. pipelines of 100 SETs through the gateway (redge REST client) vs ioredis pipelines of 100.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis as UpstashRedis } from "@upstash/redis";
import autocannon from "autocannon";
import { Redis as IORedis } from "ioredis";
import { createNodeClient } from "../../src/node.js";
import { startRedisServer } from "../../test/helpers/redis-server.js";
import { startGatewayProcess, startTrivialServer } from "../lib/processes.js";
import { printTable, type Row, saveResults, throughput } from "../lib/report.js";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const OPS = Number(process.env.BENCH_OPS ?? 40_000);
const token = `bench-${Math.random().toString(36).slice(2)}`;

/** wrk (C, from Debian's `wrk` package) leaves more of the 2 cores to the servers than autocannon. */
function hasWrk(): boolean {
  return spawnSync("wrk", ["--version"]).error === undefined;
}

function wrkLoad(url: string, auth: boolean): number {
  const script = join(mkdtempSync(join(tmpdir(), "redge-wrk-")), "set.lua");
  writeFileSync(
    script,
    [
      'wrk.method = "POST"',
      `wrk.body = '${JSON.stringify(["SET", "bench:capacity", "value"])}'`,
      'wrk.headers["Content-Type"] = "application/json"',
      auth ? `wrk.headers["Authorization"] = "Bearer ${token}"` : "",
    ].join("\n"),
  );
  const out = execFileSync("wrk", ["-t1", "-c64", `-d${DURATION_S}s`, "-s", script, `${url}/`], {
    encoding: "utf8",
  });
  if (/Non-2xx/.test(out)) throw new Error(`load run had non-2xx replies: ${out}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
}

const GENERATOR = hasWrk() ? "wrk" : "autocannon";

async function load(url: string, auth: boolean): Promise<number> {
  if (GENERATOR === "wrk") return wrkLoad(url, auth);
  const result = await autocannon({
    url,
    method: "POST",
    connections: 64,
    pipelining: 1,
    duration: DURATION_S,
    headers: {
      "content-type": "application/json",
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(["SET", "bench:capacity", "value"]),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`load run had ${result.non2xx} non-2xx replies and ${result.errors} errors`);
  }
  return result.requests.average;
}

export async function runGatewayBench(): Promise<Row[]> {
  const redis = await startRedisServer();
  const gateway = await startGatewayProcess(redis.url, token);
  const trivial = await startTrivialServer();
  const rows: Row[] = [];
  try {
    // Warm up both servers (JIT, connections).
    await autocannon({
      url: trivial.url,
      method: "POST",
      connections: 16,
      amount: 2_000,
      body: "[]",
    });
    await autocannon({
      url: gateway.url,
      method: "POST",
      connections: 16,
      amount: 2_000,
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify(["SET", "bench:warm", "v"]),
    });
    const trivialRps = await load(trivial.url, false);
    const gatewayRps = await load(gateway.url, true);
    rows.push(
      { name: `trivial HTTP server (64 conns, ${GENERATOR})`, value: trivialRps, unit: "req/s" },
      {
        name: `gateway SET (64 conns, ${GENERATOR})`,
        value: gatewayRps,
        unit: "req/s",
        baseline: `trivial HTTP server (64 conns, ${GENERATOR})`,
        target: "≥ 0.5×",
      },
    );

    const ioredis = new IORedis(redis.url);
    const upstash = new UpstashRedis({ url: gateway.url, token, enableTelemetry: false });
    await ioredis.set("bench:warm", "v");
    await throughput(2_000, 64, (i) => upstash.set(`bench:u:${i % 1000}`, "value"));
    const ioredisOps = await throughput(OPS, 64, (i) =>
      ioredis.set(`bench:i:${i % 1000}`, "value"),
    );
    const upstashOps = await throughput(OPS, 64, (i) =>
      upstash.set(`bench:u:${i % 1000}`, "value"),
    );
    rows.push(
      { name: "ioredis direct SET (64 in flight)", value: ioredisOps, unit: "ops/s" },
      {
        name: "@upstash/redis via gateway SET (64 in flight, auto-pipelining)",
        value: upstashOps,
        unit: "ops/s",
        baseline: "ioredis direct SET (64 in flight)",
        target: "≥ 0.25×",
      },
    );

    // The Node REST client (node:http keep-alive), as a Node service would use it.
    const rest = createNodeClient({ url: gateway.url, token });
    const batch = Array.from({ length: 100 }, (_, i) => ["SET", `bench:p:${i}`, "value"] as const);
    const pipelines = Math.max(200, Math.floor(OPS / 100));
    await throughput(20, 8, () => rest.pipeline(batch));
    const ioPipe = await throughput(pipelines, 8, async () => {
      const p = ioredis.pipeline();
      for (const [, k, v] of batch) p.set(k, v);
      await p.exec();
    });
    const restPipe = await throughput(pipelines, 8, () => rest.pipeline(batch));
    rows.push(
      { name: "ioredis pipelines of 100 (8 in flight)", value: ioPipe * 100, unit: "cmds/s" },
      {
        name: "gateway pipelines of 100 (8 in flight)",
        value: restPipe * 100,
        unit: "cmds/s",
        baseline: "ioredis pipelines of 100 (8 in flight)",
        target: "≥ 0.5×",
      },
    );
    ioredis.disconnect();
    await rest.close();
  } finally {
    await Promise.all([gateway.stop(), trivial.stop()]);
    await redis.stop();
  }
  printTable("Gateway (issue 3)", rows);
  saveResults("gateway", rows);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runGatewayBench();
}
