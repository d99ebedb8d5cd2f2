/**
 * Failover benchmark, each run on a fresh topology (master, 2 replicas, 3 Sentinels, down-after
 * 1000 ms), under a continuous write load:
 * - three SIGKILLs of the master (4 writers: priority add + cache set, WAIT 1): time to the first
 *   write on the new master, failed calls, acknowledged writes lost;
 * - three planned failovers (`SENTINEL FAILOVER`, old master alive) without WAIT and three with
 *   WAIT 1 (2 writers doing RPUSH, as in issue 12's report): acknowledged writes lost;
 * - one SIGKILL without WAIT, one replica promoted by hand, one planned failover through the
 *   gateway (@upstash/redis, RPUSH): acknowledged writes lost.
 * Prints each run, the machine's load, and the medians; writes bench/results/ha.json.
 */
import { loadavg } from "node:os";
import {
  type FailoverLoadOptions,
  type FailoverResult,
  runFailover,
} from "../../test/helpers/topology/failover-load.js";
import { printTable, saveResults } from "../lib/report.js";

const RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const share = (r: FailoverResult) => `${r.lost} of ${r.acknowledged}`;

async function series(label: string, options: FailoverLoadOptions, runs: number) {
  const results: FailoverResult[] = [];
  for (let i = 0; i < runs; i++) {
    const before = load();
    const result = await runFailover(options);
    console.log(`${label} run ${i + 1} (load ${before}): ${JSON.stringify(result)}`);
    results.push(result);
  }
  return results;
}

const killed = await series("SIGKILL, WAIT 1", { trigger: "kill", durable: true }, RUNS);
const planned = await series(
  "planned, no WAIT",
  { trigger: "failover", workload: "rpush", durable: false, writers: 2 },
  RUNS,
);
const plannedDurable = await series(
  "planned, WAIT 1",
  { trigger: "failover", workload: "rpush", durable: true, writers: 2 },
  RUNS,
);
const [killedPlain] = await series(
  "SIGKILL, no WAIT",
  { trigger: "kill", workload: "rpush", durable: false, writers: 2 },
  1,
);
const [promoted] = await series(
  "replica promoted by hand, no WAIT",
  { trigger: "promote", workload: "rpush", durable: false, writers: 2 },
  1,
);
const [gateway] = await series(
  "gateway, planned",
  { trigger: "failover", via: "gateway", writers: 2 },
  1,
);

const lostShare = (results: FailoverResult[]) => {
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  const acknowledged = results.reduce((sum, r) => sum + r.acknowledged, 0);
  return (100 * lost) / Math.max(1, acknowledged);
};
const summary = {
  failoverMsMedian: median(killed.map((r) => r.failoverMs)),
  sentinelSwitchMsMedian: median(killed.map((r) => r.sentinelSwitchMs)),
  failedCallsMedian: median(killed.map((r) => r.failedTotal)),
  acknowledgedLost: killed.reduce((sum, r) => sum + r.lost, 0),
  plannedLostPercent: lostShare(planned),
  plannedDurableLost: plannedDurable.reduce((sum, r) => sum + r.lost, 0),
  loadAtEnd: load(),
};
printTable("Failover (SIGKILL of the master, down-after 1000 ms, 4 writers, WAIT 1)", [
  ...killed.map((r, i) => ({
    name: `run ${i + 1}: kill → first write on the new master`,
    value: r.failoverMs,
    unit: "ms",
  })),
  {
    name: "median: kill → first write on the new master",
    value: summary.failoverMsMedian,
    unit: "ms",
    target: "≤ 5000 ms",
  },
  {
    name: "median: kill → Sentinels report the new master",
    value: summary.sentinelSwitchMsMedian,
    unit: "ms",
  },
  { name: "median: failed calls during failover", value: summary.failedCallsMedian, unit: "calls" },
  {
    name: `acknowledged writes lost (WAIT 1, ${RUNS} runs)`,
    value: summary.acknowledgedLost,
    unit: "writes",
    target: "0",
  },
]);
printTable("Acknowledged writes lost (RPUSH, 2 writers)", [
  ...planned.map((r, i) => ({
    name: `planned failover, no WAIT, run ${i + 1}: ${share(r)}`,
    value: (100 * r.lost) / Math.max(1, r.acknowledged),
    unit: "%",
  })),
  {
    name: `planned failover, no WAIT, ${RUNS} runs`,
    value: summary.plannedLostPercent,
    unit: "%",
    target: "≤ 1 %",
  },
  ...plannedDurable.map((r, i) => ({
    name: `planned failover, WAIT 1, run ${i + 1}: ${share(r)}`,
    value: r.lost,
    unit: "writes",
    target: "0",
  })),
  { name: `SIGKILL, no WAIT: ${share(killedPlain!)}`, value: killedPlain!.lost, unit: "writes" },
  {
    name: `replica promoted by hand, no WAIT: ${share(promoted!)}`,
    value: promoted!.lost,
    unit: "writes",
    target: "0",
  },
  {
    name: `gateway, planned failover: ${share(gateway!)}`,
    value: gateway!.lost,
    unit: "writes",
  },
]);
console.log(`\nload average at the end: ${summary.loadAtEnd}`);
saveResults("ha", {
  runs: killed,
  planned,
  plannedDurable,
  killedWithoutDurableWrites: killedPlain,
  promoted,
  gateway,
  summary,
});
