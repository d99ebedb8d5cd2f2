/**
 * `npm run bench`: every benchmark suite in bench/<name>/run.ts, one after the other, each in a
 * fresh process with its own private redis-server. `npm run bench -- gateway priority` runs a
 * subset. Each suite prints its tables and writes bench/results/<name>.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const root = new URL(".", import.meta.url).pathname;
const suites = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${root}${d.name}/run.ts`))
  .map((d) => d.name)
  .sort();

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = wanted.filter((w) => !suites.includes(w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(", ")}; available: ${suites.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of suites) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n# bench/${name}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", `${root}${name}/run.ts`], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
