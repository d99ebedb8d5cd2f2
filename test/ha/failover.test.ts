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
  // Target 5 s; the bound leaves room for a busy CI machine.
  expect(result.failoverMs).toBeLessThan(8_000);
  // Calls fail only while no master is reachable, a few per writer and second.
  expect(result.failedTotal).toBeLessThan(200);
}, 60_000);
