import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { parseGatewayOptions } from "./options.js";

describe("gateway options", () => {
  it("applies defaults", () => {
    const options = parseGatewayOptions({ redis: "redis://127.0.0.1:1", tokens: ["t"] });
    expect(options).toMatchObject({
      readOnlyTokens: [],
      allow: [],
      maxBodyBytes: 16 * 1024 * 1024,
      commandTimeoutMs: 10_000,
      transactionConnections: 4,
    });
  });

  it("accepts ioredis options and instances", () => {
    expect(() =>
      parseGatewayOptions({ redis: { host: "127.0.0.1", port: 1 }, tokens: ["t"] }),
    ).not.toThrow();
    const instance = new Redis({ lazyConnect: true, host: "127.0.0.1", port: 1 });
    expect(parseGatewayOptions({ redis: instance, tokens: ["t"] }).redis).toBe(instance);
    instance.disconnect();
  });

  it("lists every bad field in one ConfigError and never echoes a value", () => {
    let error: unknown;
    try {
      parseGatewayOptions({
        redis: "http://user:hunter2pass@example.com",
        tokens: ["good-token", "has space s3cr3t"],
        readOnlyTokens: ["good-token"],
        allow: ["BLPOP", "not a command!"],
        maxBodyBytes: -1,
        commandTimeoutMs: 1.5,
        transactionConnections: 0,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    const paths = config.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "redis",
        "tokens.1",
        "allow.0",
        "allow.1",
        "maxBodyBytes",
        "commandTimeoutMs",
        "transactionConnections",
      ]),
    );
    expect(config.message).not.toContain("hunter2pass");
    expect(config.message).not.toContain("s3cr3t");
    expect(config.message).not.toContain("good-token");
  });

  it("requires a token and refuses a token that is both read-write and read-only", () => {
    expect(() => parseGatewayOptions({ redis: "redis://h", tokens: [] })).toThrow(
      /tokens: at least one token/,
    );
    expect(() => parseGatewayOptions({ redis: "redis://h" })).toThrow(ConfigError);
    expect(() =>
      parseGatewayOptions({ redis: "redis://h", tokens: ["same"], readOnlyTokens: ["same"] }),
    ).toThrow(/readOnlyTokens\.0: is also listed in tokens/);
  });

  it("reports misspelt options", () => {
    expect(() => parseGatewayOptions({ redis: "redis://h", tokens: ["t"], token: "t" })).toThrow(
      ConfigError,
    );
  });
});
