/**
 * Priority stream benchmarks: `npx tsx bench/priority/run.ts [--only=throughput,cpu,scaling,bullmq,memory]`.
 *
 * Starts its own redis-server and gateway (and a second fresh redis-server for the memory
 * figures), prints tables with ratios measured side by side in this run, writes
 * bench/results/priority.json, and stops everything it started.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { BULLMQ_CONCURRENCIES, bullmqRun, redgeRun } from "./bullmq.js";
import { printTable, startBenchServer } from "./harness.js";
import { memory } from "./memory.js";
import { pullCpu } from "./pull-cpu.js";
import { type ScalingResult, scaling } from "./scaling.js";
import { throughput } from "./throughput.js";

const REST_IN_FLIGHT = 8;
const TCP_IN_FLIGHT = 4;

const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const enabled = (section: string) => !only || only.includes(section);

const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  node: process.version,
  cores: availableParallelism(),
};

/** Linux CPU counters (jiffies): total and stolen by the hypervisor. */
function cpuTimes(): { total: number; steal: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
    const values = fields.slice(1).map(Number);
    return { total: values.reduce((a, b) => a + b, 0), steal: values[7] ?? 0 };
  } catch {
    return undefined;
  }
}
const cpuAtStart = cpuTimes();

const server = await startBenchServer();
try {
  const redisVersion = /redis_version:(\S+)/.exec(
    (await server.admin.info("server")) as string,
  )?.[1];
  results.redis = redisVersion;
  console.log(
    `redis-server ${redisVersion} on ${server.redis.url}, gateway on ${server.gateway.url}`,
  );

  if (enabled("throughput")) {
    // Best of two runs per figure: this benchmark shares two cores with its own client, the
    // gateway and whatever else runs, and one run can catch a stall.
    const best = async (transport: string, inFlight: number) => {
      const clients = Array.from({ length: inFlight }, () =>
        transport === "tcp" ? server.tcp() : server.rest(),
      );
      const a = await throughput(server.admin, transport, clients);
      const b = await throughput(server.admin, transport, clients);
      return {
        ...a,
        addItemsPerSec: Math.max(a.addItemsPerSec, b.addItemsPerSec),
        pullItemsPerSec: Math.max(a.pullItemsPerSec, b.pullItemsPerSec),
        addServerCpuUsPerItem: Math.min(a.addServerCpuUsPerItem, b.addServerCpuUsPerItem),
        pullServerCpuUsPerItem: Math.min(a.pullServerCpuUsPerItem, b.pullServerCpuUsPerItem),
      };
    };
    const rows = [
      await best("tcp", 1),
      await best("tcp", TCP_IN_FLIGHT),
      await best("rest", 1),
      await best("rest", REST_IN_FLIGHT),
    ];
    results.throughput = rows;
    printTable(
      "Throughput, 100,000 items (addMany batches of 1,000; pull count 100, purge; best of 2 runs)",
      [
        "transport",
        "calls in flight",
        "addMany items/s",
        "pull items/s",
        "redis CPU µs/item (add)",
        "(pull)",
      ],
      rows.map((r) => [
        r.transport,
        String(r.inFlight),
        r.addItemsPerSec,
        r.pullItemsPerSec,
        r.addServerCpuUsPerItem,
        r.pullServerCpuUsPerItem,
      ]),
    );
  }

  if (enabled("cpu")) {
    const rows = await pullCpu(server.admin, server.tcp(), [], 5);
    results.pullCpu = rows;
    printTable(
      "Redis CPU per pulled item (TCP, one call at a time; median of 5 drains)",
      ["pull", "items", "redis CPU µs/item"],
      rows.map((r) => [r.shape, String(r.items), r.cpuUsPerItem]),
    );
  }

  if (enabled("scaling")) {
    const fillers = Array.from({ length: TCP_IN_FLIGHT }, () => server.tcp());
    const [small, large] = (await scaling(server, fillers)) as [ScalingResult, ScalingResult];
    results.scaling = { rows: [small, large] };
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    printTable(
      "Scaling over TCP, one call at a time, 1k and 1M streams in alternating rounds (medians; client ops/s, server µs per EVALSHA)",
      ["operation", "1k ops/s", "1M ops/s", "1M/1k ops/s", "1k µs/call", "1M µs/call", "1M/1k µs"],
      [
        [
          "decrementAll",
          small.decrementAllOpsPerSec,
          large.decrementAllOpsPerSec,
          ratio(large.decrementAllOpsPerSec, small.decrementAllOpsPerSec),
          small.decrementAllUsecPerCall,
          large.decrementAllUsecPerCall,
          ratio(large.decrementAllUsecPerCall, small.decrementAllUsecPerCall),
        ],
        [
          "pull(count 10)",
          small.pullOpsPerSec,
          large.pullOpsPerSec,
          ratio(large.pullOpsPerSec, small.pullOpsPerSec),
          small.pullUsecPerCall,
          large.pullUsecPerCall,
          ratio(large.pullUsecPerCall, small.pullUsecPerCall),
        ],
      ],
    );
  }

  if (enabled("bullmq")) {
    const bulls = [];
    for (const concurrency of BULLMQ_CONCURRENCIES) {
      bulls.push(await bullmqRun(server.redis.port, concurrency));
    }
    const bull = bulls.reduce((a, b) => (b.endToEndJobsPerSec > a.endToEndJobsPerSec ? b : a));
    const redge = await redgeRun(server.tcp());
    results.bullmq = { rows: [...bulls, redge], comparedWith: bull.system };
    const x = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    printTable(
      "redge vs BullMQ, 100,000 prioritized jobs on the same redis-server (TCP)",
      ["system", "add jobs/s", "consume jobs/s", "end-to-end jobs/s"],
      [
        ...[...bulls, redge].map((r) => [
          r.system,
          r.addJobsPerSec,
          r.consumeJobsPerSec,
          r.endToEndJobsPerSec,
        ]),
        [
          `ratio redge / ${bull.system}`,
          x(redge.addJobsPerSec, bull.addJobsPerSec),
          x(redge.consumeJobsPerSec, bull.consumeJobsPerSec),
          x(redge.endToEndJobsPerSec, bull.endToEndJobsPerSec),
        ],
      ],
    );
  }
} finally {
  await server.close();
}

if (enabled("memory")) {
  const { rows, churn } = await memory();
  results.memory = { rows, churn };
  printTable(
    "Memory, 1,000,000 items (12-char ids, 20-byte data), used_memory delta on a fresh server",
    ["layout", "bytes/item", "beyond id + data", "ratio"],
    rows.map((r) => [
      r.layout,
      r.bytesPerItem,
      r.bytesBeyondIdAndData,
      `${(r.bytesBeyondIdAndData / rows[0]!.bytesBeyondIdAndData).toFixed(2)}×`,
    ]),
  );
  const breakdown = rows[0]?.breakdown;
  if (breakdown) {
    console.log(
      `redge per key (MEMORY USAGE / items): ${Object.entries(breakdown)
        .map(([k, v]) => `${k} ${v} B`)
        .join(", ")}`,
    );
  }
  console.log(
    `after pulling the higher-priority half: ${churn.itemsLeft.toLocaleString("en-US")} items left, ${churn.bytesPerItemLeft.toFixed(0)} B per item left (time index ${churn.timeIndexBytesPerItemLeft.toFixed(0)} B of it)`,
  );
}

// On a shared virtual machine the hypervisor may run other guests on "our" cores: the share of
// time stolen that way says how far the absolute figures above are from the machine's own.
const cpuAtEnd = cpuTimes();
if (cpuAtStart && cpuAtEnd && cpuAtEnd.total > cpuAtStart.total) {
  const steal = (cpuAtEnd.steal - cpuAtStart.steal) / (cpuAtEnd.total - cpuAtStart.total);
  results.cpuStealShare = steal;
  console.log(`\nCPU time stolen by the hypervisor during the run: ${(steal * 100).toFixed(1)}%`);
}

const out = new URL("../results/priority.json", import.meta.url);
mkdirSync(new URL(".", out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${out.pathname}`);
