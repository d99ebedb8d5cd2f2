import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { ConfigError } from "../core/errors.js";
import { configFromEnv, parseConfig, REDACTED, redactConfig, redgeConfig } from "./index.js";

const PASSWORD = "hunter2-Pa55word";
const TOKEN = "AX1yZ-upstash-token-0123456789";
const SENTINEL_PASSWORD = "sentinel-s3cret-pw";
const TLS_KEY =
  "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----";
const PASSPHRASE = "key-passphrase-0123";
const SECRETS = [
  PASSWORD,
  TOKEN,
  SENTINEL_PASSWORD,
  TLS_KEY,
  PASSPHRASE,
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
];

/** Every way a config might end up in a log line. */
function renderings(value: unknown): string[] {
  const logged: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logged.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 10 }))).join(" "));
  });
  try {
    console.log(value);
    console.log("config: %o", value);
    console.log("config: %O", value);
  } finally {
    spy.mockRestore();
  }
  return [
    String(value),
    `${value}`,
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
    inspect(value),
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    inspect({ nested: [value] }),
    ...logged,
  ];
}

function expectNoSecrets(texts: readonly string[]): void {
  for (const text of texts) {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  }
}

const configs = {
  standalone: () =>
    parseConfig({
      host: "h",
      username: "app",
      password: PASSWORD,
      tls: { cert: CERT, key: TLS_KEY, passphrase: PASSPHRASE },
    }),
  url: () => parseConfig({ url: `rediss://app:${encodeURIComponent(PASSWORD)}@h:6380/1` }),
  rest: () => parseConfig({ url: "https://eu1.upstash.io", token: TOKEN }),
  sentinel: () =>
    parseConfig({
      sentinel: {
        sentinels: [{ host: "s", port: 26379 }],
        masterName: "mymaster",
        sentinelUsername: "sentuser",
        sentinelPassword: SENTINEL_PASSWORD,
      },
      password: PASSWORD,
      tls: { cert: CERT, key: TLS_KEY },
    }),
  cluster: () =>
    parseConfig({ cluster: { nodes: [{ host: "n", port: 7000 }] }, password: PASSWORD }),
};

describe("a parsed config hides its secrets", () => {
  it.each(Object.entries(configs))(
    "%s: String, JSON, util.inspect and console.log",
    (_name, make) => {
      const config = make();
      const texts = renderings(config);
      expectNoSecrets(texts);
      for (const text of texts) expect(text).toContain(REDACTED);
    },
  );

  it("while the fields stay readable for the transports", () => {
    const config = configs.sentinel();
    if (config.kind !== "tcp" || config.mode !== "sentinel") throw new Error("expected sentinel");
    expect(config.password).toBe(PASSWORD);
    expect(config.sentinelPassword).toBe(SENTINEL_PASSWORD);
    expect(config.tls?.key).toBe(TLS_KEY);
    const rest = configs.rest();
    expect(rest.kind === "rest" && rest.token).toBe(TOKEN);
  });

  it("prints everything that is not secret", () => {
    const text = String(configs.standalone());
    expect(text).toMatch(/^RedgeConfig \{/);
    expect(JSON.parse(text.replace(/^RedgeConfig /, ""))).toMatchObject({
      kind: "tcp",
      mode: "standalone",
      host: "h",
      username: "app",
      password: REDACTED,
      tls: { cert: CERT, key: REDACTED, passphrase: REDACTED },
    });
    expect(inspect(configs.standalone())).toContain("host: 'h'");
  });

  it("the hooks are non-enumerable: keys and equality see only the fields", () => {
    const config = configs.rest();
    expect(Object.keys(config)).not.toContain("toJSON");
    expect(Object.keys(config)).not.toContain("toString");
    expect(
      Object.getOwnPropertySymbols(config).every(
        (s) => !Object.prototype.propertyIsEnumerable.call(config, s),
      ),
    ).toBe(true);
    expect({ ...config }).toEqual(config);
  });

  it("the tls object alone is protected too", () => {
    const config = configs.standalone();
    if (config.kind !== "tcp") throw new Error("expected tcp");
    expectNoSecrets(renderings(config.tls));
  });

  it("redactConfig returns a plain redacted copy and leaves the config alone", () => {
    const config = configs.sentinel();
    const copy = redactConfig(config);
    expect(copy).toMatchObject({
      password: REDACTED,
      sentinelPassword: REDACTED,
      tls: { key: REDACTED },
    });
    expect(config).toMatchObject({ password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
    expectNoSecrets([JSON.stringify(copy)]);
  });

  it("a builder does not show its secrets either", () => {
    const builder = redgeConfig().host("h").password(PASSWORD).rest("https://x.io", TOKEN);
    expectNoSecrets(renderings(builder));
  });
});

describe("error messages never contain secrets", () => {
  function messageOf(run: () => unknown): string {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const e = error as ConfigError;
      return [e.message, String(e), inspect(e), JSON.stringify(e.issues), e.stack ?? ""].join("\n");
    }
    throw new Error("expected a ConfigError");
  }

  it.each([
    ["a bad port in a url with a password", { url: `redis://user:${PASSWORD}@host:99999` }],
    ["a bad db in a url with a password", { url: `redis://user:${PASSWORD}@host/abc` }],
    ["a query in a url with a password", { url: `rediss://:${PASSWORD}@host?tls=1` }],
    ["bad encoding in a url with a password", { url: `redis://user:${PASSWORD}%zz@host` }],
    ["an unparsable url with a password", { url: `redis://user:${PASSWORD}@ho st` }],
    ["a REST url carrying credentials", { url: `https://user:${PASSWORD}@x.io`, token: TOKEN }],
    ["a token with a redis url", { url: "redis://h", token: TOKEN }],
    [
      "a password of the wrong type next to bad fields",
      { host: "h", password: PASSWORD, port: -1, token: TOKEN },
    ],
    ["a conflicting password", { url: `redis://:${PASSWORD}@h`, password: `${PASSWORD}-other` }],
    ["a TLS key without cert", { host: "h", tls: { key: TLS_KEY } }],
    ["a TLS key given as the CA", { host: "h", tls: { ca: TLS_KEY } }],
    ["a TLS key given as a file path", { host: "h", tls: { keyFile: TLS_KEY } }],
    ["a passphrase without a key", { host: "h", tls: { passphrase: PASSPHRASE } }],
    [
      "a passphrase next to a bad key",
      { host: "h", tls: { cert: CERT, key: CERT, passphrase: PASSPHRASE } },
    ],
    [
      "a sentinel password with a bad sentinel",
      {
        sentinel: {
          sentinels: [{ host: "s", port: 0 }],
          masterName: "m",
          sentinelPassword: SENTINEL_PASSWORD,
        },
      },
    ],
    ["secrets placed in unknown keys", { host: "h", pass: PASSWORD, secretToken: TOKEN }],
    ["a secret given as the url", { url: PASSWORD }],
  ])("%s", (_name, input) => {
    expectNoSecrets([messageOf(() => parseConfig(input))]);
  });

  it("from the environment", () => {
    const text = messageOf(() =>
      configFromEnv({
        REDIS_URL: `redis://:${PASSWORD}@h:70000`,
        REDIS_PASSWORD: SENTINEL_PASSWORD,
        REDIS_RETRIES: "x",
      }),
    );
    expect(text).toContain("REDIS_URL");
    expectNoSecrets([text]);
  });

  it("from the builder", () => {
    const text = messageOf(() =>
      redgeConfig().url(`redis://:${PASSWORD}@h:0`).password(TOKEN).build(),
    );
    expectNoSecrets([text]);
  });
});
