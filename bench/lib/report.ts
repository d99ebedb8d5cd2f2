/**
 * Benchmark helpers: timing, side-by-side tables, and a JSON record of the run in bench/results/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** Name of the row this one is compared with. */
  baseline?: string;
  /** "higher" when more is better (throughput), "lower" for latency/bytes. */
  better?: "higher" | "lower";
  target?: string;
}

export function format(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(n >= 10 ? 1 : 2);
}

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n## ${title}\n`);
  console.log("| measurement | value | ratio | target |");
  console.log("|---|---:|---:|---|");
  for (const row of rows) {
    const base = row.baseline ? rows.find((r) => r.name === row.baseline) : undefined;
    const ratio = base ? `${(row.value / base.value).toFixed(2)}× ${base.name}` : "";
    console.log(
      `| ${row.name} | ${format(row.value)} ${row.unit} | ${ratio} | ${row.target ?? ""} |`,
    );
  }
}

export function saveResults(name: string, data: unknown): void {
  mkdirSync(new URL("../results/", import.meta.url), { recursive: true });
  const record = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    data,
  };
  writeFileSync(
    new URL(`../results/${name}.json`, import.meta.url),
    `${JSON.stringify(record, null, 2)}\n`,
  );
}

/** Runs `task` `concurrency` at a time until `total` have run; returns operations per second. */
export async function throughput(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await task(i);
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}
