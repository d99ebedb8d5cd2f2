import { describe, expect, expectTypeOf, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import {
  isRestConfig,
  isTcpConfig,
  parseConfig,
  type RedgeConfig,
  type RedgeConfigInput,
  safeParseConfig,
} from "./index.js";

const DEFAULTS = {
  keyPrefix: "",
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 5_000,
  retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 2_000, jitter: true },
  maxConnections: 10,
  healthCheckIntervalMs: 30_000,
};

/** The ConfigError `parseConfig(input)` throws (fails the test if it does not throw one). */
function configError(input: unknown): ConfigError {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected parseConfig to throw");
}

/** `{ path: message }` of every issue, for compact assertions. */
function issuesOf(input: unknown): Record<string, string> {
  return Object.fromEntries(configError(input).issues.map((i) => [i.path, i.message]));
}

const CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
const KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----";
describe("parseConfig: shapes", () => {
  it("REST: url and token, every default filled in, trailing slash dropped", () => {
    const config = parseConfig({ url: "https://eu1-fine-cat.upstash.io/", token: "AXXXtoken" });
    expect(config).toEqual({
      kind: "rest",
      url: "https://eu1-fine-cat.upstash.io",
      token: "AXXXtoken",
      ...DEFAULTS,
    });
  });

  it("REST over plain http (a local gateway) keeps its path", () => {
    const config = parseConfig({ url: "http://127.0.0.1:8080/redis", token: "t" });
    expect(config).toMatchObject({ kind: "rest", url: "http://127.0.0.1:8080/redis" });
  });

  it("TCP by fields: host alone gets port 6379 and db 0, no tls key", () => {
    const config = parseConfig({ host: "redis.internal" });
    expect(config).toEqual({
      kind: "tcp",
      mode: "standalone",
      host: "redis.internal",
      port: 6379,
      db: 0,
      ...DEFAULTS,
    });
    expect("tls" in config).toBe(false);
    expect("password" in config).toBe(false);
  });

  it("TCP by fields: every field", () => {
    const config = parseConfig({
      host: "10.0.0.5",
      port: 6380,
      db: 4,
      username: "app",
      password: "pw",
      tls: true,
    });
    expect(config).toMatchObject({
      kind: "tcp",
      mode: "standalone",
      host: "10.0.0.5",
      port: 6380,
      db: 4,
      username: "app",
      password: "pw",
      tls: { rejectUnauthorized: true },
    });
  });

  it("IPv6 host given with brackets loses them", () => {
    expect(parseConfig({ host: "[::1]" })).toMatchObject({ host: "::1" });
  });

  it("TLS with options: defaults rejectUnauthorized to true, keeps PEM strings", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    const key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----";
    const config = parseConfig({
      host: "h",
      tls: { ca: pem, cert: pem, key, servername: "redis.example.com" },
    });
    expect(config).toMatchObject({
      tls: {
        ca: pem,
        cert: pem,
        key,
        servername: "redis.example.com",
        rejectUnauthorized: true,
      },
    });
    expect(parseConfig({ host: "h", tls: { rejectUnauthorized: false } })).toMatchObject({
      tls: { rejectUnauthorized: false },
    });
  });

  it("tls: false means no TLS", () => {
    expect("tls" in parseConfig({ host: "h", tls: false })).toBe(false);
  });

  it("Sentinel: sentinels, master, sentinel credentials and the data node's settings", () => {
    const config = parseConfig({
      sentinel: {
        sentinels: [
          { host: "s1", port: 26379 },
          { host: "s2", port: 26380 },
        ],
        masterName: "mymaster",
        sentinelUsername: "sentuser",
        sentinelPassword: "sentpw",
      },
      db: 2,
      username: "app",
      password: "datapw",
      tls: true,
    });
    expect(config).toEqual({
      kind: "tcp",
      mode: "sentinel",
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
      ],
      masterName: "mymaster",
      sentinelUsername: "sentuser",
      sentinelPassword: "sentpw",
      db: 2,
      username: "app",
      password: "datapw",
      tls: { rejectUnauthorized: true },
      ...DEFAULTS,
    });
  });

  it("Sentinel: db defaults to 0", () => {
    const config = parseConfig({
      sentinel: { sentinels: [{ host: "s", port: 26379 }], masterName: "m" },
    });
    expect(config).toMatchObject({ kind: "tcp", mode: "sentinel", db: 0 });
  });

  it("Cluster: nodes plus credentials and tls; db 0 is tolerated", () => {
    const config = parseConfig({
      cluster: { nodes: [{ host: "n1", port: 7000 }] },
      password: "pw",
      tls: { rejectUnauthorized: false },
      db: 0,
    });
    expect(config).toEqual({
      kind: "tcp",
      mode: "cluster",
      nodes: [{ host: "n1", port: 7000 }],
      password: "pw",
      tls: { rejectUnauthorized: false },
      ...DEFAULTS,
    });
  });

  it("common fields override the defaults; retry merges with its defaults", () => {
    const config = parseConfig({
      host: "h",
      keyPrefix: "app:",
      connectTimeoutMs: 2_000,
      commandTimeoutMs: 250,
      retry: { retries: 0, jitter: false },
      maxConnections: 50,
      healthCheckIntervalMs: 0,
    });
    expect(config).toMatchObject({
      keyPrefix: "app:",
      connectTimeoutMs: 2_000,
      commandTimeoutMs: 250,
      retry: { retries: 0, baseDelayMs: 100, maxDelayMs: 2_000, jitter: false },
      maxConnections: 50,
      healthCheckIntervalMs: 0,
    });
  });

  it("accepts an already-normalized config (parsing twice is harmless)", () => {
    const once = parseConfig({ url: "rediss://:pw@h:6380/1" });
    const twice = parseConfig(once);
    expect(twice).toEqual(once);
    expect(parseConfig(JSON.parse(JSON.stringify({ ...once })))).toEqual(once);
  });

  it("isRestConfig / isTcpConfig narrow the union", () => {
    const rest = parseConfig({ url: "https://x.upstash.io", token: "t" });
    const tcp = parseConfig({ host: "h" });
    expect([isRestConfig(rest), isTcpConfig(rest)]).toEqual([true, false]);
    expect([isRestConfig(tcp), isTcpConfig(tcp)]).toEqual([false, true]);
    if (isTcpConfig(tcp))
      expectTypeOf(tcp.mode).toEqualTypeOf<"standalone" | "sentinel" | "cluster">();
    if (isRestConfig(rest)) expectTypeOf(rest.token).toEqualTypeOf<string>();
  });

  it("types come from the schema and match the transports' field names", () => {
    expectTypeOf<Extract<RedgeConfig, { kind: "rest" }>>().toMatchTypeOf<{
      url: string;
      token: string;
      keyPrefix: string;
    }>();
    expectTypeOf<Extract<RedgeConfig, { mode: "sentinel" }>>().toMatchTypeOf<{
      sentinels: { host: string; port: number }[];
      masterName: string;
      db: number;
      sentinelPassword?: string;
    }>();
    expectTypeOf<Extract<RedgeConfig, { mode: "cluster" }>["nodes"]>().toEqualTypeOf<
      { host: string; port: number }[]
    >();
    expectTypeOf<RedgeConfig["retry"]>().toEqualTypeOf<{
      retries: number;
      baseDelayMs: number;
      maxDelayMs: number;
      jitter: boolean;
    }>();
    expectTypeOf<{ host: string }>().toMatchTypeOf<RedgeConfigInput>();
  });
});

describe("parseConfig: URLs", () => {
  it("redis:// with user, password, port and db", () => {
    expect(parseConfig({ url: "redis://app:pw@redis.example.com:6380/3" })).toEqual({
      kind: "tcp",
      mode: "standalone",
      host: "redis.example.com",
      port: 6380,
      db: 3,
      username: "app",
      password: "pw",
      ...DEFAULTS,
    });
  });

  it("defaults: port 6379, db 0, no credentials", () => {
    const config = parseConfig({ url: "redis://localhost" });
    expect(config).toMatchObject({ host: "localhost", port: 6379, db: 0 });
    expect("username" in config || "password" in config || "tls" in config).toBe(false);
    expect(parseConfig({ url: "redis://localhost/" })).toMatchObject({ db: 0 });
  });

  it("percent-decodes user name and password", () => {
    const config = parseConfig({ url: "redis://us%40er:p%40ss%3Aw%2Frd%25@h" });
    expect(config).toMatchObject({ username: "us@er", password: "p@ss:w/rd%" });
  });

  it("an unencoded @ in the password still parses (the last @ ends the credentials)", () => {
    expect(parseConfig({ url: "redis://:p@ss@h" })).toMatchObject({ host: "h", password: "p@ss" });
  });

  it("password alone (redis://:pw@host) has no user name", () => {
    const config = parseConfig({ url: "redis://:only-pw@h:6379/0" });
    expect(config).toMatchObject({ password: "only-pw" });
    expect("username" in config).toBe(false);
  });

  it("rediss:// turns TLS on, and tls options add to it", () => {
    expect(parseConfig({ url: "rediss://h:6380" })).toMatchObject({
      port: 6380,
      tls: { rejectUnauthorized: true },
    });
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    expect(parseConfig({ url: "rediss://h", tls: { ca } })).toMatchObject({
      tls: { ca, rejectUnauthorized: true },
    });
  });

  it("redis:// with tls: true uses TLS too", () => {
    expect(parseConfig({ url: "redis://h", tls: true })).toMatchObject({
      tls: { rejectUnauthorized: true },
    });
  });

  it("IPv6 hosts lose their brackets", () => {
    expect(parseConfig({ url: "redis://[::1]:7000/1" })).toMatchObject({
      host: "::1",
      port: 7000,
      db: 1,
    });
  });

  it("fields fill in what the url leaves out, and may repeat it", () => {
    expect(parseConfig({ url: "redis://h", password: "pw", db: 5 })).toMatchObject({
      password: "pw",
      db: 5,
    });
    expect(parseConfig({ url: "redis://:pw@h/2", password: "pw", db: 2 })).toMatchObject({
      password: "pw",
      db: 2,
    });
  });

  it("upper-case schemes and surrounding spaces are fine", () => {
    expect(parseConfig({ url: "  REDIS://h:1  " })).toMatchObject({ host: "h", port: 1 });
  });
});

describe("parseConfig: rejections name the field", () => {
  it.each([
    ["an https url without token", { url: "https://x.upstash.io" }, "token", /required/],
    [
      "a REST url with sentinel",
      {
        url: "https://x.io",
        token: "t",
        sentinel: { sentinels: [{ host: "s", port: 1 }], masterName: "m" },
      },
      "sentinel",
      /REST/,
    ],
    [
      "a REST url with cluster",
      { url: "https://x.io", token: "t", cluster: { nodes: [{ host: "n", port: 1 }] } },
      "cluster",
      /REST/,
    ],
    ["a REST url with host", { url: "https://x.io", token: "t", host: "h" }, "host", /REST/],
    [
      "a REST url with password",
      { url: "https://x.io", token: "t", password: "p" },
      "password",
      /REST/,
    ],
    ["a REST url with tls", { url: "https://x.io", token: "t", tls: true }, "tls", /REST/],
    ["a REST url with credentials", { url: "https://u:p@x.io", token: "t" }, "url", /credentials/],
    [
      "a redis:// url with token",
      { url: "redis://h", token: "t" },
      "token",
      /only used with an http/,
    ],
    ["a redis:// url with host", { url: "redis://h", host: "other" }, "host", /either url or host/],
    [
      "a redis:// url with sentinel",
      { url: "redis://h", sentinel: { sentinels: [{ host: "s", port: 1 }], masterName: "m" } },
      "sentinel",
      /cannot be combined/,
    ],
    [
      "a redis:// url with a different password",
      { url: "redis://:a@h", password: "b" },
      "password",
      /conflicts/,
    ],
    ["a redis:// url with a different db", { url: "redis://h/1", db: 2 }, "db", /conflicts/],
    ["rediss:// with tls: false", { url: "rediss://h", tls: false }, "tls", /rediss/],
    ["token without url", { host: "h", token: "t" }, "token", /needs url/],
    [
      "both cluster and sentinel",
      {
        sentinel: { sentinels: [{ host: "s", port: 1 }], masterName: "m" },
        cluster: { nodes: [{ host: "n", port: 1 }] },
      },
      "cluster",
      /sentinel/,
    ],
    [
      "sentinel with host",
      { host: "h", sentinel: { sentinels: [{ host: "s", port: 1 }], masterName: "m" } },
      "host",
      /sentinel/,
    ],
    [
      "cluster with port",
      { port: 1, cluster: { nodes: [{ host: "n", port: 1 }] } },
      "port",
      /cluster/,
    ],
    [
      "cluster with db 3",
      { db: 3, cluster: { nodes: [{ host: "n", port: 1 }] } },
      "db",
      /only has database 0/,
    ],
    ["port without host", { port: 6380 }, "host", /required/],
    ["port out of range", { host: "h", port: 65_536 }, "port", /1 to 65535/],
    ["port zero", { host: "h", port: 0 }, "port", /1 to 65535/],
    ["port not an integer", { host: "h", port: 63.5 }, "port", /1 to 65535/],
    ["port as a string", { host: "h", port: "6379" }, "port", /port number/],
    ["negative db", { host: "h", db: -1 }, "db", /from 0/],
    ["empty host", { host: "" }, "host", /empty/],
    ["host with a scheme", { host: "redis://h" }, "host", /bare host/],
    ["empty password", { host: "h", password: "" }, "password", /empty/],
    ["username without password", { host: "h", username: "u" }, "password", /username/],
    [
      "url user name without password",
      { url: "redis://someone@h" },
      "url",
      /user name but no password/,
    ],
    ["url with an unknown scheme", { url: "memcached://h" }, "url", /unsupported scheme/],
    ["url without a scheme", { url: "localhost:6379" }, "url", /must start with/],
    ["url with a port above 65535", { url: "redis://h:70000" }, "url", /above 65535/],
    ["url with port 0", { url: "redis://h:0" }, "url", /port 0/],
    ["url with a non-numeric port", { url: "redis://h:abc" }, "url", /not a number/],
    ["url with a non-numeric db", { url: "redis://h/abc" }, "url", /database number/],
    ["url with a query string", { url: "redis://h?db=1" }, "url", /query/],
    ["url without a host", { url: "redis:///0" }, "url", /no host/],
    ["url with bad percent-encoding", { url: "redis://:%zz@h" }, "url", /percent-encoding/],
    ["url that is not a string", { url: 6379 }, "url", /string/],
    ["tls of the wrong type", { host: "h", tls: "yes" }, "tls", /true, false or/],
    ["tls cert without key", { host: "h", tls: { cert: CERT_PEM } }, "tls.key", /tls.cert/],
    ["tls key without cert", { host: "h", tls: { key: KEY_PEM } }, "tls.cert", /tls.key/],
    [
      "tls certFile without a key",
      { host: "h", tls: { certFile: "/c.pem" } },
      "tls.keyFile",
      /tls.certFile/,
    ],
    ["tls ca that is a file path", { host: "h", tls: { ca: "/etc/ca.pem" } }, "tls.ca", /caFile/],
    [
      "tls caFile that is PEM text",
      { host: "h", tls: { caFile: CERT_PEM } },
      "tls.caFile",
      /PEM text, not a file path.*tls\.ca/,
    ],
    [
      "tls key holding a certificate",
      { host: "h", tls: { cert: CERT_PEM, key: CERT_PEM } },
      "tls.key",
      /holds a certificate.*tls\.cert/,
    ],
    [
      "tls cert holding a private key",
      { host: "h", tls: { cert: KEY_PEM, key: KEY_PEM } },
      "tls.cert",
      /holds a private key.*tls\.key/,
    ],
    ["tls ca holding a private key", { host: "h", tls: { ca: KEY_PEM } }, "tls.ca", /private key/],
    [
      "tls ca and caFile both",
      { host: "h", tls: { ca: CERT_PEM, caFile: "/ca.pem" } },
      "tls.caFile",
      /tls\.ca/,
    ],
    [
      "tls passphrase without a key",
      { host: "h", tls: { passphrase: "pw-secret" } },
      "tls.passphrase",
      /tls\.key/,
    ],
    [
      "tls option of the wrong type",
      { host: "h", tls: { rejectUnauthorized: "no" } },
      "tls.rejectUnauthorized",
      /true or false/,
    ],
    [
      "an unknown tls option",
      { host: "h", tls: { verify: true } },
      "tls.verify",
      /not a known option/,
    ],
    [
      "sentinel without sentinels",
      { sentinel: { masterName: "m" } },
      "sentinel.sentinels",
      /required/,
    ],
    [
      "sentinel with an empty list",
      { sentinel: { sentinels: [], masterName: "m" } },
      "sentinel.sentinels",
      /at least one/,
    ],
    [
      "sentinel without masterName",
      { sentinel: { sentinels: [{ host: "s", port: 1 }] } },
      "sentinel.masterName",
      /required/,
    ],
    [
      "a sentinel with a bad port",
      {
        sentinel: {
          sentinels: [
            { host: "s", port: 1 },
            { host: "s2", port: 99_999 },
          ],
          masterName: "m",
        },
      },
      "sentinel.sentinels.1.port",
      /1 to 65535/,
    ],
    [
      "sentinelUsername without sentinelPassword",
      { sentinel: { sentinels: [{ host: "s", port: 1 }], masterName: "m", sentinelUsername: "u" } },
      "sentinel.sentinelPassword",
      /required/,
    ],
    ["cluster with an empty list", { cluster: { nodes: [] } }, "cluster.nodes", /at least one/],
    [
      "a cluster node without a port",
      { cluster: { nodes: [{ host: "n" }] } },
      "cluster.nodes.0.port",
      /required/,
    ],
    ["a keyPrefix with a brace", { host: "h", keyPrefix: "app:{x}" }, "keyPrefix", /\{ or \}/],
    [
      "a keyPrefix with a control character",
      { host: "h", keyPrefix: "app\n" },
      "keyPrefix",
      /control/,
    ],
    [
      "a keyPrefix over 128 characters",
      { host: "h", keyPrefix: "k".repeat(129) },
      "keyPrefix",
      /128/,
    ],
    ["connectTimeoutMs zero", { host: "h", connectTimeoutMs: 0 }, "connectTimeoutMs", /from 1/],
    [
      "commandTimeoutMs beyond what timers honour",
      { host: "h", commandTimeoutMs: 2 ** 31 },
      "commandTimeoutMs",
      /2147483647/,
    ],
    [
      "commandTimeoutMs NaN",
      { host: "h", commandTimeoutMs: Number.NaN },
      "commandTimeoutMs",
      /milliseconds/,
    ],
    ["retries above 20", { host: "h", retry: { retries: 21 } }, "retry.retries", /0 to 20/],
    ["negative retries", { host: "h", retry: { retries: -1 } }, "retry.retries", /0 to 20/],
    [
      "maxDelayMs below baseDelayMs",
      { host: "h", retry: { baseDelayMs: 500, maxDelayMs: 100 } },
      "retry.maxDelayMs",
      /baseDelayMs/,
    ],
    ["jitter not a boolean", { host: "h", retry: { jitter: 1 } }, "retry.jitter", /true or false/],
    ["maxConnections zero", { host: "h", maxConnections: 0 }, "maxConnections", /1 to 1000/],
    [
      "maxConnections above 1000",
      { host: "h", maxConnections: 1_001 },
      "maxConnections",
      /1 to 1000/,
    ],
    [
      "negative healthCheckIntervalMs",
      { host: "h", healthCheckIntervalMs: -1 },
      "healthCheckIntervalMs",
      /from 0/,
    ],
    ["a misspelled option", { host: "h", pasword: "x" }, "pasword", /did you mean password/],
  ])("%s", (_name, input, path, message) => {
    const issues = issuesOf(input);
    expect(Object.keys(issues)).toContain(path);
    expect(issues[path]).toMatch(message);
  });

  it("nothing to connect to", () => {
    expect(issuesOf({})).toEqual({
      "": expect.stringMatching(/give url .*host, sentinel or cluster/),
    });
  });

  it.each([null, undefined, "redis://h", 42, []])("input that is not an object: %j", (input) => {
    expect(issuesOf(input)).toEqual({ "": expect.stringMatching(/object|required/) });
  });
});

describe("parseConfig: every bad field in one error", () => {
  const input = {
    url: "redis://h:70000",
    token: "t0ken-value",
    port: 0,
    db: -2,
    tls: { ca: 5 },
    sentinel: { sentinels: [{ host: "s", port: 70_000 }] },
    keyPrefix: "{bad}",
    commandTimeoutMs: -5,
    retry: { retries: 50, baseDelayMs: 500, maxDelayMs: 100 },
    maxConnections: 5_000,
    healthCheckIntervalMs: 1.5,
    colour: "blue",
  };

  it("lists each with its dotted path", () => {
    const error = configError(input);
    const paths = error.issues.map((i) => i.path);
    expect(new Set(paths)).toEqual(
      new Set([
        "url",
        "token",
        "port",
        "db",
        "tls.ca",
        "sentinel",
        "sentinel.sentinels.0.port",
        "sentinel.masterName",
        "keyPrefix",
        "commandTimeoutMs",
        "retry.retries",
        "retry.maxDelayMs",
        "maxConnections",
        "healthCheckIntervalMs",
        "colour",
      ]),
    );
  });

  it("and its message names them all", () => {
    const error = configError(input);
    expect(error.message).toMatch(/^Invalid redge config: /);
    for (const issue of error.issues)
      expect(error.message).toContain(`${issue.path}: ${issue.message}`);
    expect(error.code).toBe("config");
  });

  it("is never a raw ZodError", () => {
    const error = configError(input);
    expect(error.name).toBe("ConfigError");
    expect(error).not.toHaveProperty("format");
  });

  it("safeParseConfig returns the same issues instead of throwing", () => {
    const result = safeParseConfig(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual(configError(input).issues);
    expect(safeParseConfig({ host: "h" }).ok).toBe(true);
  });
});
