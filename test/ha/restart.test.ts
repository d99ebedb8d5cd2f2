/**
 * A standalone Redis with `appendonly yes` and `appendfsync always` is SIGKILLed mid-load and
 * restarted on the same port from its AOF: the client reconnects by itself, and every write it
 * saw acknowledged is there afterwards.
 */
import { afterEach, expect, it } from "vitest";
import { createNodeClient } from "../../src/node.js";
import { startRedisServer } from "../helpers/redis-server.js";
import { removeTempDir, sleep, tempDir, track } from "../helpers/topology/processes.js";

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
});

it("reconnects after SIGKILL + restart and keeps every acknowledged write", async () => {
  const dir = tempDir("aof");
  cleanup.push(async () => removeTempDir(dir));
  const persistent = { dir, args: ["--appendonly", "yes", "--appendfsync", "always"] };
  const first = await startRedisServer(persistent);
  track(first.process);
  cleanup.push(() => first.stop());

  const client = createNodeClient({
    url: first.url,
    commandTimeoutMs: 1_000,
    retry: { retries: 3, baseDelayMs: 50, maxDelayMs: 200, jitter: true },
    healthCheckIntervalMs: 0,
  });
  cleanup.push(() => client.close());
  const stream = client.priority(`restart-${Math.random().toString(36).slice(2, 8)}`);

  const acked: string[] = [];
  let failed = 0;
  let restartedAt = 0;
  let successAfterRestart = 0;
  let stop = false;
  let seq = 0;
  const writers = Array.from({ length: 3 }, async () => {
    while (!stop) {
      const id = `i${seq++}`;
      const startedAt = performance.now();
      try {
        await stream.add(id, seq, 1);
        acked.push(id);
        if (restartedAt && startedAt >= restartedAt) successAfterRestart++;
      } catch {
        failed++;
        await sleep(20);
      }
    }
  });

  // Killed once writes are flowing (an observed count, not a time).
  while (acked.length <= 10) await sleep(20);
  first.process.kill("SIGKILL");
  await new Promise((resolve) => first.process.once("exit", resolve));
  const beforeRestart = acked.length;
  await sleep(300);
  const second = await startRedisServer({ ...persistent, port: first.port });
  track(second.process);
  cleanup.push(() => second.stop());
  restartedAt = performance.now();
  const deadline = restartedAt + 10_000;
  while (successAfterRestart < 50 && performance.now() < deadline) await sleep(20);
  stop = true;
  await Promise.all(writers);

  console.log(
    `restart: ${acked.length} acknowledged (${beforeRestart} before the kill), ${failed} failed calls`,
  );
  expect(beforeRestart).toBeGreaterThan(10);
  expect(successAfterRestart).toBeGreaterThanOrEqual(50);
  const missing: string[] = [];
  for (const id of acked) if ((await stream.get(id)) === null) missing.push(id);
  expect(missing).toEqual([]);
}, 60_000);
