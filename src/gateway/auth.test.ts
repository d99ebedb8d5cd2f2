import { describe, expect, it } from "vitest";
import { digestsEqual, indexOfSecret, sha256, timingSafeEqual } from "../security/timing-safe.js";
import { bearerToken, createAuthenticator } from "./auth.js";

describe("timing-safe comparison", () => {
  it("compares strings of any length through their digests", async () => {
    expect(await timingSafeEqual("token", "token")).toBe(true);
    expect(await timingSafeEqual("token", "tokem")).toBe(false);
    expect(await timingSafeEqual("token", "token-longer")).toBe(false);
    expect(await timingSafeEqual("", "")).toBe(true);
    expect(await timingSafeEqual("ü", "u")).toBe(false);
  });

  it("compares digests byte by byte without an early exit", async () => {
    const a = await sha256("a");
    expect(a).toHaveLength(32);
    expect(digestsEqual(a, await sha256("a"))).toBe(true);
    expect(digestsEqual(a, await sha256("b"))).toBe(false);
    expect(digestsEqual(a, a.subarray(0, 16))).toBe(false);
  });

  it("finds which secret matched, checking all of them", async () => {
    const digests = await Promise.all(["one", "two", "two"].map(sha256));
    expect(await indexOfSecret("two", digests)).toBe(1);
    expect(await indexOfSecret("three", digests)).toBe(-1);
  });

  it("imports nothing from node: (the edge app reuses it)", async () => {
    const { readFile } = await import("node:fs/promises");
    const source = await readFile(new URL("../security/timing-safe.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/from\s+["']node:/);
  });
});

describe("bearer authentication", () => {
  it("parses the Authorization header", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer   abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it("tells read-write from read-only tokens and refuses the rest", async () => {
    const authenticate = createAuthenticator(["rw1", "rw2"], ["ro1"]);
    expect(await authenticate("Bearer rw2")).toBe("read-write");
    expect(await authenticate("Bearer ro1")).toBe("read-only");
    expect(await authenticate("Bearer nope")).toBeUndefined();
    expect(await authenticate("Bearer rw")).toBeUndefined();
    expect(await authenticate(undefined)).toBeUndefined();
  });
});
