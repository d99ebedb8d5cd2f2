/**
 * Failover under a continuous write load (priority `add` and cache `set`), durable writes on
 * (WAIT 1): the master is SIGKILLed, the Sentinels (down-after 1000 ms) promote a replica, the
 * client follows by itself. One run here; `npm run bench -- ha` runs three and keeps the median.
 */
import { expect, it } from "vitest";
import { runFailover } from "../helpers/topology/failover-load.js";

it("fails over to a new master within seconds and loses no acknowledged write", async () => {
  const result = await runFailover({ durable: true });
  console.log(
    `failover: first write on the new master ${result.failoverMs} ms after SIGKILL ` +
      `(Sentinels switched after ${result.sentinelSwitchMs} ms); ${result.failedTotal} failed calls ` +
      `${JSON.stringify(result.failed)}; ${result.acknowledged} acknowledged writes, ${result.lost} lost`,
  );
  expect(result.newMaster).not.toBe(result.oldMaster);
  expect(result.acknowledged).toBeGreaterThan(100);
  expect(result.lost).toBe(0);
  // Writes resumed on the new master (runFailover gives up after 20 s without one). How fast
  // (target 5 s) and how many calls failed meanwhile depend on the machine's load: they are
  // targets, measured by `npm run bench -- ha`, not outcomes of this test.
  expect(result.failoverMs).toBeGreaterThan(0);
}, 60_000);
