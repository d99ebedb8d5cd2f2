/**
 * `npm run bench`: every benchmark in bench/, one after the other, each on its own private
 * redis-server. `npm run bench -- gateway priority` runs a subset.
 */
const suites: Record<string, () => Promise<unknown>> = {
  gateway: async () => (await import("./gateway/run.js")).runGatewayBench(),
  streams: async () => (await import("./streams/run.js")).runStreamsBench(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
