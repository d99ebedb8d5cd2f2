/**
 * The HA fields of the config: durableWrites, replicaReads; validated like every other field.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/index.js";

const sentinel = { sentinels: [{ host: "127.0.0.1", port: 26379 }], masterName: "m" };

describe("HA config", () => {
  it("takes durableWrites on TCP, and replicaReads for Sentinel and Cluster", () => {
    const config = parseConfig({
      sentinel: { ...sentinel, replicaReads: true },
      durableWrites: { replicas: 1, timeoutMs: 500 },
    });
    expect(config).toMatchObject({
      mode: "sentinel",
      replicaReads: true,
      durableWrites: { replicas: 1, timeoutMs: 500 },
    });
    expect(
      parseConfig({ cluster: { nodes: [{ host: "a", port: 1 }], replicaReads: true } }),
    ).toMatchObject({
      mode: "cluster",
      replicaReads: true,
    });
    expect(parseConfig({ sentinel })).not.toHaveProperty("replicaReads");
    expect(parseConfig({ url: "redis://h" })).not.toHaveProperty("durableWrites");
  });

  it("names each bad field", () => {
    const issues = (input: unknown) => {
      try {
        parseConfig(input as never);
      } catch (error) {
        if (error instanceof ConfigError) return error.issues.map((i) => i.path);
      }
      return [];
    };
    expect(issues({ url: "redis://h", durableWrites: { replicas: 0, timeoutMs: 0 } })).toEqual([
      "durableWrites.replicas",
      "durableWrites.timeoutMs",
    ]);
    expect(issues({ url: "redis://h", durableWrites: { replicas: 1 } })).toEqual([
      "durableWrites.timeoutMs",
    ]);
    expect(
      issues({ url: "https://x", token: "t", durableWrites: { replicas: 1, timeoutMs: 1 } }),
    ).toEqual(["durableWrites"]);
    expect(issues({ sentinel: { ...sentinel, replicaReads: "yes" } })).toEqual([
      "sentinel.replicaReads",
    ]);
  });
});
