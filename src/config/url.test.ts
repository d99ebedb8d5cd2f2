import { describe, expect, it } from "vitest";
import { parseConnectionUrl, parseHostPort } from "./url.js";

describe("parseConnectionUrl", () => {
  it.each([
    ["redis://h", { kind: "tcp", tls: false, host: "h", port: 6379 }],
    ["rediss://h", { kind: "tcp", tls: true, host: "h", port: 6379 }],
    [
      "redis://u:p@h:1/15",
      { kind: "tcp", tls: false, host: "h", port: 1, db: 15, username: "u", password: "p" },
    ],
    [
      "redis://:p%20w@h/0",
      { kind: "tcp", tls: false, host: "h", port: 6379, db: 0, password: "p w" },
    ],
    ["redis://[2001:db8::1]:6380", { kind: "tcp", tls: false, host: "2001:db8::1", port: 6380 }],
    [
      "redis://%F0%9F%94%91:%E2%9C%93@h",
      { kind: "tcp", tls: false, host: "h", port: 6379, username: "🔑", password: "✓" },
    ],
    ["https://x.upstash.io", { kind: "rest", url: "https://x.upstash.io" }],
    ["https://x.upstash.io///", { kind: "rest", url: "https://x.upstash.io" }],
    ["HTTP://LOCALHOST:8080/", { kind: "rest", url: "http://localhost:8080" }],
  ])("%s", (text, expected) => {
    expect(parseConnectionUrl(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["", /must start with/],
    ["localhost:6379", /must start with/],
    ["redis:h", /redis:\/\/host/],
    ["unix:///tmp/redis.sock", /unsupported scheme/],
    ["redis://h#frag", /fragment/],
    ["https://x.io?a=1", /query/],
    ["redis://h/1/2", /database number/],
  ])("rejects %j", (text, message) => {
    const result = parseConnectionUrl(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("parseHostPort", () => {
  it.each([
    ["h:1", { host: "h", port: 1 }],
    ["h", { host: "h", port: 26379 }],
    [" 10.0.0.1:7000 ", { host: "10.0.0.1", port: 7000 }],
    ["[::1]:26380", { host: "::1", port: 26380 }],
    ["[::1]", { host: "::1", port: 26379 }],
  ])("%s", (text, expected) => {
    expect(parseHostPort(text, 26379)).toEqual({ ok: true, value: expected });
  });

  it.each([":1", "h:", "h:0", "h:65536", "h:1x", "::1", "[::1", "[]:1"])("rejects %j", (text) => {
    expect(parseHostPort(text, 26379).ok).toBe(false);
  });
});
