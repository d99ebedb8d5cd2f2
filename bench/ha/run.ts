/**
 * Failover benchmark: three SIGKILLs of a Sentinel-managed master under a continuous write load
 * (priority add + cache set, WAIT 1), each on a fresh topology (master, 2 replicas, 3 Sentinels,
 * down-after 1000 ms), then one run without durable writes for comparison. Prints each run and
 * the median, and writes bench/results/ha.json.
 */
import { type FailoverResult, runFailover } from "../../test/helpers/topology/failover-load.js";
import { printTable, saveResults } from "../lib/report.js";

const RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const durable: FailoverResult[] = [];
for (let i = 0; i < RUNS; i++) {
  const result = await runFailover({ durable: true });
  console.log(`run ${i + 1}: ${JSON.stringify(result)}`);
  durable.push(result);
}
const plain = await runFailover({ durable: false });
console.log(`without durable writes: ${JSON.stringify(plain)}`);

const summary = {
  failoverMsMedian: median(durable.map((r) => r.failoverMs)),
  sentinelSwitchMsMedian: median(durable.map((r) => r.sentinelSwitchMs)),
  failedCallsMedian: median(durable.map((r) => r.failedTotal)),
  acknowledgedLost: durable.reduce((sum, r) => sum + r.lost, 0),
};
printTable("Failover (SIGKILL of the master, down-after 1000 ms, 4 writers)", [
  ...durable.map((r, i) => ({
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
    name: "acknowledged writes lost (WAIT 1, 3 runs)",
    value: summary.acknowledgedLost,
    unit: "writes",
    target: "0",
  },
  { name: "without WAIT: acknowledged writes lost", value: plain.lost, unit: "writes" },
]);
saveResults("ha", { runs: durable, withoutDurableWrites: plain, summary });
