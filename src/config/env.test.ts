import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { configFromEnv, ENV_VARIABLES, type EnvSource } from "./index.js";

const REST = {
  UPSTASH_REDIS_REST_URL: "https://eu1-fine-cat.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: "upstash-token",
};
const KV = { KV_REST_API_URL: "https://kv.example.com", KV_REST_API_TOKEN: "kv-token" };

function envError(env: EnvSource, overrides?: Parameters<typeof configFromEnv>[1]): ConfigError {
  try {
    configFromEnv(env, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected configFromEnv to throw");
}

function envIssues(env: EnvSource, overrides?: Parameters<typeof configFromEnv>[1]) {
  return Object.fromEntries(envError(env, overrides).issues.map((i) => [i.path, i.message]));
}

describe("configFromEnv: sources", () => {
  it("REST from the Upstash variables", () => {
    expect(configFromEnv(REST)).toMatchObject({
      kind: "rest",
      url: "https://eu1-fine-cat.upstash.io",
      token: "upstash-token",
    });
  });

  it("REST from the Vercel KV variables when the Upstash ones are unset", () => {
    expect(configFromEnv(KV)).toMatchObject({
      kind: "rest",
      url: "https://kv.example.com",
      token: "kv-token",
    });
  });

  it("the Upstash pair wins over the KV pair", () => {
    expect(configFromEnv({ ...KV, ...REST })).toMatchObject({ token: "upstash-token" });
  });

  it("TCP from REDIS_URL, with REDIS_PASSWORD filling in", () => {
    expect(
      configFromEnv({ REDIS_URL: "rediss://cache.internal:6380/2", REDIS_PASSWORD: "pw" }),
    ).toMatchObject({
      kind: "tcp",
      mode: "standalone",
      host: "cache.internal",
      port: 6380,
      db: 2,
      password: "pw",
      tls: { rejectUnauthorized: true },
    });
  });

  it("Sentinel from REDIS_SENTINELS (IPv6 in brackets, default port 26379)", () => {
    const config = configFromEnv({
      REDIS_SENTINELS: "[::1]:26379, s2.internal:26380 ,s3",
      REDIS_SENTINEL_MASTER: "mymaster",
      REDIS_SENTINEL_PASSWORD: "sentpw",
      REDIS_PASSWORD: "datapw",
    });
    expect(config).toMatchObject({
      kind: "tcp",
      mode: "sentinel",
      sentinels: [
        { host: "::1", port: 26379 },
        { host: "s2.internal", port: 26380 },
        { host: "s3", port: 26379 },
      ],
      masterName: "mymaster",
      sentinelPassword: "sentpw",
      password: "datapw",
      db: 0,
    });
  });

  it("Cluster from REDIS_CLUSTER_NODES (default port 6379)", () => {
    expect(
      configFromEnv({ REDIS_CLUSTER_NODES: "n1:7000,n2:7001,n3", REDIS_PASSWORD: "pw" }),
    ).toMatchObject({
      kind: "tcp",
      mode: "cluster",
      nodes: [
        { host: "n1", port: 7000 },
        { host: "n2", port: 7001 },
        { host: "n3", port: 6379 },
      ],
      password: "pw",
    });
  });

  it("common settings", () => {
    const config = configFromEnv({
      ...REST,
      REDIS_KEY_PREFIX: "app:",
      REDIS_CONNECT_TIMEOUT_MS: "2500",
      REDIS_COMMAND_TIMEOUT_MS: " 750 ",
      REDIS_MAX_CONNECTIONS: "25",
      REDIS_RETRIES: "0",
    });
    expect(config).toMatchObject({
      keyPrefix: "app:",
      connectTimeoutMs: 2_500,
      commandTimeoutMs: 750,
      maxConnections: 25,
      retry: { retries: 0, baseDelayMs: 100, maxDelayMs: 2_000, jitter: true },
      healthCheckIntervalMs: 30_000,
    });
  });

  it("empty strings and whitespace count as unset; values are trimmed", () => {
    expect(
      configFromEnv({ ...REST, REDIS_URL: "", REDIS_KEY_PREFIX: "  ", REDIS_RETRIES: "" }),
    ).toMatchObject({
      kind: "rest",
      keyPrefix: "",
      retry: { retries: 3 },
    });
    expect(configFromEnv({ REDIS_URL: " redis://h \n" })).toMatchObject({ host: "h" });
  });

  it("every variable it reads is documented in ENV_VARIABLES", () => {
    expect(Object.keys(ENV_VARIABLES)).toEqual(
      expect.arrayContaining([
        "UPSTASH_REDIS_REST_URL",
        "UPSTASH_REDIS_REST_TOKEN",
        "KV_REST_API_URL",
        "KV_REST_API_TOKEN",
        "REDIS_URL",
        "REDIS_KEY_PREFIX",
        "REDIS_SENTINELS",
        "REDIS_SENTINEL_MASTER",
        "REDIS_SENTINEL_PASSWORD",
        "REDIS_PASSWORD",
        "REDIS_CLUSTER_NODES",
        "REDIS_CONNECT_TIMEOUT_MS",
        "REDIS_COMMAND_TIMEOUT_MS",
        "REDIS_MAX_CONNECTIONS",
        "REDIS_RETRIES",
      ]),
    );
  });
});

describe("configFromEnv: env objects", () => {
  it("works with process.env", () => {
    const saved = { ...process.env };
    try {
      process.env.REDIS_URL = "redis://from-process-env:6390";
      for (const name of Object.keys(ENV_VARIABLES))
        if (name !== "REDIS_URL") delete process.env[name];
      expect(configFromEnv(process.env)).toMatchObject({ host: "from-process-env", port: 6390 });
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it("works with a Workers env: non-string bindings are ignored", () => {
    interface Env {
      CACHE: { get(key: string): Promise<string | null> };
      QUEUE: object;
      UPSTASH_REDIS_REST_URL: string;
      UPSTASH_REDIS_REST_TOKEN: string;
      REDIS_MAX_CONNECTIONS: number;
      REDIS_KEY_PREFIX: null;
    }
    const env: Env = {
      CACHE: { get: async () => null },
      QUEUE: { send() {} },
      ...REST,
      // A binding of another type under a name we read is treated as unset.
      REDIS_MAX_CONNECTIONS: 99,
      REDIS_KEY_PREFIX: null,
    };
    expect(configFromEnv(env)).toMatchObject({ kind: "rest", maxConnections: 10, keyPrefix: "" });
  });

  it("works with a frozen object and with one without a prototype", () => {
    expect(configFromEnv(Object.freeze({ ...REST }))).toMatchObject({ kind: "rest" });
    const bare = Object.assign(Object.create(null) as object, { REDIS_URL: "redis://h" });
    expect(configFromEnv(bare)).toMatchObject({ host: "h" });
  });

  it("does not modify the env object", () => {
    const env = { ...REST, REDIS_RETRIES: "2" };
    const copy = { ...env };
    configFromEnv(env, { retry: { baseDelayMs: 1 } });
    expect(env).toEqual(copy);
  });
});

describe("configFromEnv: precedence", () => {
  it("REST wins over REDIS_URL (REST works on the edge and in Node alike)", () => {
    expect(configFromEnv({ ...REST, REDIS_URL: "redis://h", REDIS_PASSWORD: "pw" })).toMatchObject({
      kind: "rest",
      token: "upstash-token",
    });
  });

  it("Sentinel wins over REST and REDIS_URL", () => {
    const config = configFromEnv({
      ...REST,
      REDIS_URL: "redis://h",
      REDIS_SENTINELS: "s:26379",
      REDIS_SENTINEL_MASTER: "m",
    });
    expect(config).toMatchObject({ kind: "tcp", mode: "sentinel" });
  });

  it("Cluster wins over REST and REDIS_URL", () => {
    expect(
      configFromEnv({ ...KV, REDIS_URL: "redis://h", REDIS_CLUSTER_NODES: "n:7000" }),
    ).toMatchObject({
      kind: "tcp",
      mode: "cluster",
    });
  });

  it("Sentinel and Cluster together are an error naming the variable", () => {
    expect(
      envIssues({
        REDIS_SENTINELS: "s:26379",
        REDIS_SENTINEL_MASTER: "m",
        REDIS_CLUSTER_NODES: "n:7000",
      }),
    ).toEqual({
      REDIS_CLUSTER_NODES: expect.stringMatching(/sentinel/),
    });
  });

  it("a half REST pair is an error, even with REDIS_URL set (no silent fall back)", () => {
    expect(
      envIssues({ UPSTASH_REDIS_REST_URL: REST.UPSTASH_REDIS_REST_URL, REDIS_URL: "redis://h" }),
    ).toEqual({
      UPSTASH_REDIS_REST_TOKEN: "is required when UPSTASH_REDIS_REST_URL is set",
    });
    expect(envIssues({ KV_REST_API_TOKEN: "t" })).toEqual({
      KV_REST_API_URL: "is required when KV_REST_API_TOKEN is set",
    });
  });

  it("overrides win over the environment; retry merges field by field", () => {
    const config = configFromEnv(
      { ...REST, REDIS_RETRIES: "5", REDIS_COMMAND_TIMEOUT_MS: "900" },
      { commandTimeoutMs: 100, retry: { jitter: false }, keyPrefix: "over:" },
    );
    expect(config).toMatchObject({
      commandTimeoutMs: 100,
      keyPrefix: "over:",
      retry: { retries: 5, jitter: false },
    });
  });

  it("overrides may supply the connection when the environment has none", () => {
    expect(configFromEnv({ REDIS_KEY_PREFIX: "p:" }, { host: "h" })).toMatchObject({
      host: "h",
      keyPrefix: "p:",
    });
  });

  it("an issue in an override keeps the override's field path", () => {
    expect(envIssues({ ...REST, REDIS_RETRIES: "5" }, { retry: { retries: 99 } })).toEqual({
      "retry.retries": expect.stringMatching(/0 to 20/),
    });
  });
});

describe("configFromEnv: errors", () => {
  it("nothing set says which variables to set", () => {
    const error = envError({});
    expect(error.issues).toHaveLength(1);
    for (const name of [
      "UPSTASH_REDIS_REST_URL",
      "UPSTASH_REDIS_REST_TOKEN",
      "REDIS_URL",
      "REDIS_SENTINELS",
      "REDIS_CLUSTER_NODES",
    ]) {
      expect(error.message).toContain(name);
    }
    expect(envError({ UNRELATED: "x", KV: {} as never }).issues).toHaveLength(1);
  });

  it("a non-number names the variable", () => {
    expect(envIssues({ ...REST, REDIS_COMMAND_TIMEOUT_MS: "5s" })).toEqual({
      REDIS_COMMAND_TIMEOUT_MS: expect.stringMatching(/whole number/),
    });
    expect(envIssues({ ...REST, REDIS_MAX_CONNECTIONS: "-1" })).toEqual({
      REDIS_MAX_CONNECTIONS: expect.stringMatching(/whole number/),
    });
  });

  it("out-of-range numbers name the variable", () => {
    expect(envIssues({ ...REST, REDIS_RETRIES: "21", REDIS_CONNECT_TIMEOUT_MS: "0" })).toEqual({
      REDIS_RETRIES: expect.stringMatching(/0 to 20/),
      REDIS_CONNECT_TIMEOUT_MS: expect.stringMatching(/from 1/),
    });
  });

  it("every bad variable at once, in one error", () => {
    const issues = envIssues({
      REDIS_URL: "redis://h:70000",
      REDIS_COMMAND_TIMEOUT_MS: "abc",
      REDIS_MAX_CONNECTIONS: "5000",
      REDIS_KEY_PREFIX: "{x}",
    });
    expect(Object.keys(issues).sort()).toEqual([
      "REDIS_COMMAND_TIMEOUT_MS",
      "REDIS_KEY_PREFIX",
      "REDIS_MAX_CONNECTIONS",
      "REDIS_URL",
    ]);
  });

  it("bad REDIS_SENTINELS entries are named by position", () => {
    const issues = envIssues({
      REDIS_SENTINELS: "s1:26379,::1:26379,s3:abc",
      REDIS_SENTINEL_MASTER: "m",
    });
    expect(issues.REDIS_SENTINELS).toMatch(/entry (2|3)/);
    const all = envError({
      REDIS_SENTINELS: "s1:26379,::1:26379,s3:abc",
      REDIS_SENTINEL_MASTER: "m",
    }).issues;
    expect(all.map((i) => i.message)).toEqual([
      expect.stringMatching(/^entry 2 .*\[addr\]:port/),
      expect.stringMatching(/^entry 3 .*port/),
    ]);
  });

  it("a sentinel host the schema rejects is named by variable and entry", () => {
    const issues = envIssues({ REDIS_SENTINELS: "ok:1,bad host:2", REDIS_SENTINEL_MASTER: "m" });
    expect(issues.REDIS_SENTINELS).toMatch(/^entry 2 host: /);
  });

  it("REDIS_SENTINELS without REDIS_SENTINEL_MASTER", () => {
    expect(envIssues({ REDIS_SENTINELS: "s:26379" })).toEqual({
      REDIS_SENTINEL_MASTER: "is required with REDIS_SENTINELS",
    });
  });

  it("REDIS_SENTINEL_MASTER without REDIS_SENTINELS", () => {
    expect(envIssues({ REDIS_URL: "redis://h", REDIS_SENTINEL_MASTER: "m" })).toEqual({
      REDIS_SENTINELS: "is required when REDIS_SENTINEL_MASTER is set",
    });
  });

  it("REDIS_PASSWORD conflicting with the password in REDIS_URL", () => {
    expect(envIssues({ REDIS_URL: "redis://:a-password@h", REDIS_PASSWORD: "another" })).toEqual({
      REDIS_PASSWORD: expect.stringMatching(/conflicts/),
    });
  });

  it("a REST url in REDIS_URL points to the REST variables", () => {
    expect(envIssues({ REDIS_URL: "https://x.upstash.io" })).toEqual({
      REDIS_URL: expect.stringMatching(/UPSTASH_REDIS_REST_URL/),
    });
  });
});
