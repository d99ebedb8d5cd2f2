import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { parseConfig, RedgeConfigBuilder, redgeConfig } from "./index.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
describe("redgeConfig() builder", () => {
  it("builds the example from the brief", () => {
    const config = redgeConfig()
      .host("h")
      .port(6380)
      .password("p")
      .db(2)
      .tls()
      .keyPrefix("app:")
      .commandTimeout(500)
      .retry({ retries: 5 })
      .build();
    expect(config).toEqual({
      kind: "tcp",
      mode: "standalone",
      host: "h",
      port: 6380,
      db: 2,
      password: "p",
      tls: { rejectUnauthorized: true },
      keyPrefix: "app:",
      connectTimeoutMs: 10_000,
      commandTimeoutMs: 500,
      retry: { retries: 5, baseDelayMs: 100, maxDelayMs: 2_000, jitter: true },
      maxConnections: 10,
      healthCheckIntervalMs: 30_000,
    });
  });

  it("gives what parseConfig gives for the same input", () => {
    const built = redgeConfig().url("rediss://u:pw@h:6380/1").connectTimeout(1_000).build();
    expect(built).toEqual(parseConfig({ url: "rediss://u:pw@h:6380/1", connectTimeoutMs: 1_000 }));
  });

  it("rest(url, token)", () => {
    expect(redgeConfig().rest("https://x.upstash.io", "tok").build()).toMatchObject({
      kind: "rest",
      url: "https://x.upstash.io",
      token: "tok",
    });
  });

  it("sentinel(sentinels, masterName, { username, password }) with data-node settings", () => {
    const config = redgeConfig()
      .sentinel(
        [
          { host: "s1", port: 26379 },
          { host: "s2", port: 26380 },
        ],
        "mymaster",
        {
          username: "su",
          password: "sp",
        },
      )
      .username("app")
      .password("dp")
      .db(3)
      .build();
    expect(config).toMatchObject({
      kind: "tcp",
      mode: "sentinel",
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
      ],
      masterName: "mymaster",
      sentinelUsername: "su",
      sentinelPassword: "sp",
      username: "app",
      password: "dp",
      db: 3,
    });
  });

  it("cluster(nodes) with tls options", () => {
    const config = redgeConfig()
      .cluster([{ host: "n1", port: 7000 }])
      .tls({ ca: CA, rejectUnauthorized: false })
      .build();
    expect(config).toMatchObject({
      kind: "tcp",
      mode: "cluster",
      nodes: [{ host: "n1", port: 7000 }],
      tls: { ca: CA, rejectUnauthorized: false },
    });
  });

  it("the remaining setters", () => {
    const config = redgeConfig()
      .host("h")
      .maxConnections(3)
      .healthCheckInterval(0)
      .retry({ retries: 1 })
      .retry({ jitter: false })
      .build();
    expect(config).toMatchObject({
      maxConnections: 3,
      healthCheckIntervalMs: 0,
      retry: { retries: 1, jitter: false },
    });
    expect("tls" in redgeConfig().host("h").tls().tls(false).build()).toBe(false);
  });

  it("is immutable: each call returns a new builder and leaves the old one as it was", () => {
    const base = redgeConfig().host("h");
    const withDb = base.db(5);
    expect(withDb).toBeInstanceOf(RedgeConfigBuilder);
    expect(withDb).not.toBe(base);
    expect(base.build()).toMatchObject({ db: 0 });
    expect(withDb.build()).toMatchObject({ db: 5 });
  });

  it("does not share arrays with the caller", () => {
    const nodes = [{ host: "n1", port: 7000 }];
    const builder = redgeConfig().cluster(nodes);
    nodes.push({ host: "n2", port: 7001 });
    expect(builder.build()).toMatchObject({ nodes: [{ host: "n1", port: 7000 }] });
    expect(builder.toInput()).toEqual({ cluster: { nodes: [{ host: "n1", port: 7000 }] } });
  });

  it("starts from an initial input", () => {
    expect(redgeConfig({ host: "h", db: 1 }).port(1).build()).toMatchObject({
      host: "h",
      db: 1,
      port: 1,
    });
  });

  it("reports every bad field at once, like parseConfig", () => {
    let error: unknown;
    try {
      redgeConfig()
        .host("h")
        .port(70_000)
        .db(-1)
        .keyPrefix("a{b}")
        .retry({ retries: 99 })
        .commandTimeout(0)
        .build();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual([
      "commandTimeoutMs",
      "db",
      "keyPrefix",
      "port",
      "retry.retries",
    ]);
  });

  it("reports contradictions, like parseConfig", () => {
    expect(() => redgeConfig().rest("https://x.io", "t").host("h").build()).toThrow(
      /host: cannot be used with an http\(s\):\/\/ REST url/,
    );
    expect(() =>
      redgeConfig()
        .url("redis://h")
        .sentinel([{ host: "s", port: 1 }], "m")
        .build(),
    ).toThrow(/sentinel: cannot be combined/);
  });

  it('db() takes the seeds\' string form ("0"), and reports any other string under db', () => {
    expect(redgeConfig().host("h").db("0").build()).toMatchObject({ db: 0 });
    expect(redgeConfig().host("h").db(" 12 ").build()).toMatchObject({ db: 12 });
    for (const bad of ["", "x", "-1", "1.5", "0x1", "99999999999"]) {
      let error: unknown;
      try {
        redgeConfig().host("h").db(bad).build();
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(
        (error as ConfigError).issues.map((i) => i.path),
        bad,
      ).toEqual(["db"]);
    }
  });
});
