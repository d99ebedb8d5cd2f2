/**
 * What every priority benchmark shares: its own redis-server and gateway (never a server that
 * happens to run, never port 6379), clients for both transports, timing and a table printer.
 */

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningRedis, startRedisServer } from "../../test/helpers/redis-server.js";
import { type Child, startGatewayProcess } from "../lib/processes.js";

export interface BenchServer {
  readonly redis: RunningRedis;
  /** `redge gateway` in its own process, as it runs in production. */
  readonly gateway: Child & { token: string };
  /** A raw ioredis connection for INFO, CONFIG RESETSTAT and clean-up. */
  readonly admin: Redis;
  tcp(): RedgeClient;
  rest(): RedgeClient;
  close(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const redis = await startRedisServer();
  const token = `bench-${randomUUID()}`;
  const gateway = { ...(await startGatewayProcess(redis.url, token)), token };
  const admin = new Redis(redis.url);
  const clients: RedgeClient[] = [];
  const keep = (client: RedgeClient) => {
    clients.push(client);
    return client;
  };
  return {
    redis,
    gateway,
    admin,
    tcp: () => keep(createNodeClient({ url: redis.url, commandTimeoutMs: 60_000 })),
    rest: () =>
      keep(createNodeClient({ url: gateway.url, token: gateway.token, commandTimeoutMs: 60_000 })),
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      admin.disconnect();
      await gateway.stop();
      await redis.stop();
    },
  };
}

/** Milliseconds `run` took. */
export async function timeMs(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Runs `worker` `inFlight` times concurrently (each takes work until none is left). */
export async function inParallel(inFlight: number, worker: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
}

/** `INFO <section>` as a map. */
export async function info(admin: Redis, section: string): Promise<Map<string, string>> {
  const text = (await admin.info(section)) as string;
  const map = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0) map.set(line.slice(0, at), line.slice(at + 1));
  }
  return map;
}

/** redis-server's CPU time so far (user + sys), in µs: unlike wall time, not inflated by waiting. */
export async function serverCpuUs(admin: Redis): Promise<number> {
  const cpu = await info(admin, "cpu");
  return (Number(cpu.get("used_cpu_user")) + Number(cpu.get("used_cpu_sys"))) * 1e6;
}

/** Server-side µs per EVALSHA since the last CONFIG RESETSTAT. */
export async function evalshaUsecPerCall(admin: Redis): Promise<number> {
  const stat = (await info(admin, "commandstats")).get("cmdstat_evalsha") ?? "";
  return Number(/usec_per_call=([\d.]+)/.exec(stat)?.[1] ?? Number.NaN);
}

export function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(2);
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(`\n${title}`);
  console.log(line(cells[0]!));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

/** `item:0000042`: ~12-character ids. */
export const itemId = (i: number) => `item:${String(i).padStart(7, "0")}`;
/** 20 characters of data. */
export const PAYLOAD = "payload-0123456789ab";
