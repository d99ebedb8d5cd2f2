/**
 * The Sentinel messages the failover follower acts on, in the formats Redis 7 publishes them
 * (sentinel.c, `sentinelEvent`). The follower itself runs against real Sentinels in test/ha.
 */
import { describe, expect, it } from "vitest";
import { parseSentinelEvent } from "./sentinel.js";

const M = "mymaster";
const replica = (port: number, master = M, masterPort = 6379) =>
  `slave 10.0.0.2:${port} 10.0.0.2 ${port} @ ${master} 10.0.0.1 ${masterPort}`;

describe("parseSentinelEvent", () => {
  it("+switch-master: the old master is deposed for good, the new one named", () => {
    expect(parseSentinelEvent("+switch-master", `${M} 10.0.0.1 6379 10.0.0.2 6380`, M)).toEqual({
      kind: "deposed",
      from: { host: "10.0.0.1", port: 6379 },
      to: { host: "10.0.0.2", port: 6380 },
      final: true,
    });
    expect(parseSentinelEvent("+switch-master", `other 10.0.0.1 6379 10.0.0.2 6380`, M)).toBe(
      undefined,
    );
    expect(parseSentinelEvent("+switch-master", `${M} 10.0.0.1 6379`, M)).toBe(undefined);
  });

  it("the leader's promotion steps depose the master before REPLICAOF NO ONE is sent", () => {
    for (const channel of [
      "+selected-slave",
      "+failover-state-send-slaveof-noone",
      "+failover-state-wait-promotion",
      "+promoted-slave",
    ]) {
      expect(parseSentinelEvent(channel, replica(6380), M)).toEqual({
        kind: "deposed",
        from: { host: "10.0.0.1", port: 6379 },
        to: { host: "10.0.0.2", port: 6380 },
        final: false,
      });
      expect(parseSentinelEvent(channel, replica(6380, "other"), M)).toBe(undefined);
    }
  });

  it("an aborted failover keeps the master", () => {
    expect(
      parseSentinelEvent("-failover-abort-slave-timeout", `master ${M} 10.0.0.1 6379`, M),
    ).toEqual({ kind: "aborted", master: { host: "10.0.0.1", port: 6379 } });
    expect(parseSentinelEvent("-failover-abort-not-elected", `master other 10.0.0.1 6379`, M)).toBe(
      undefined,
    );
  });

  it("a server that turned replica: converted by the Sentinels, or reporting it itself", () => {
    expect(parseSentinelEvent("+convert-to-slave", replica(6381), M)).toEqual({
      kind: "replica",
      address: { host: "10.0.0.2", port: 6381 },
      master: { host: "10.0.0.1", port: 6379 },
    });
    expect(
      parseSentinelEvent("-role-change", `master ${M} 10.0.0.1 6379 new reported role is slave`, M),
    ).toEqual({ kind: "replica", address: { host: "10.0.0.1", port: 6379 } });
    // A replica reporting itself master (promoted by hand) is not followed: the Sentinels decide.
    expect(
      parseSentinelEvent("-role-change", `${replica(6381)} new reported role is master`, M),
    ).toBe(undefined);
  });

  it("+sentinel names another Sentinel of the same master", () => {
    expect(
      parseSentinelEvent("+sentinel", `sentinel abc123 10.0.0.9 26379 @ ${M} 10.0.0.1 6379`, M),
    ).toEqual({ kind: "sentinel", address: { host: "10.0.0.9", port: 26379 } });
    expect(
      parseSentinelEvent("+sentinel", `sentinel abc123 10.0.0.9 26379 @ other 10.0.0.1 6379`, M),
    ).toBe(undefined);
  });

  it("ignores garbage and events it does not act on", () => {
    expect(parseSentinelEvent("+selected-slave", "", M)).toBe(undefined);
    expect(parseSentinelEvent("+selected-slave", "slave x y z @ mymaster a b", M)).toBe(undefined);
    expect(parseSentinelEvent("+sdown", `master ${M} 10.0.0.1 6379`, M)).toBe(undefined);
  });
});
