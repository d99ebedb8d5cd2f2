import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry, fromBase64, parseEntry, toBase64 } from "./codec.js";

const roundTrip = async (value: unknown, threshold = 8192) => {
  const raw = await encodeEntry(value, 0, threshold);
  return { raw, value: await decodeEntry(parseEntry(raw)!) };
};

describe("cache entry codec", () => {
  it("round-trips JSON values, null and undefined", async () => {
    for (const value of [null, 0, "", "a:b:c", [1, "x"], { a: { b: null } }, true]) {
      expect((await roundTrip(value)).value).toEqual(value);
    }
    const nothing = await roundTrip(undefined);
    expect(nothing.raw).toBe("u:0:");
    expect(nothing.value).toBeUndefined();
  });

  it("keeps the stale window in the header", async () => {
    const raw = await encodeEntry({ a: 1 }, 1500, 8192);
    expect(raw).toBe('j:1500:{"a":1}');
    expect(parseEntry(raw)).toEqual({ format: "j", staleWindowMs: 1500, payload: '{"a":1}' });
  });

  it("compresses JSON above the threshold, and only when that saves space", async () => {
    const big = {
      rows: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `row ${i}`, ok: true })),
    };
    const { raw, value } = await roundTrip(big);
    expect(raw.startsWith("z:0:")).toBe(true);
    expect(raw.length).toBeLessThan(JSON.stringify(big).length / 4);
    expect(value).toEqual(big);
    // Just under the threshold: stored as JSON.
    const small = "x".repeat(8000);
    expect((await roundTrip(small)).raw.startsWith("j:")).toBe(true);
    // Incompressible data above the threshold stays JSON.
    const noise = Array.from({ length: 3000 }, () => Math.random().toString(36).slice(2)).join("");
    const r = await roundTrip(noise, 100);
    expect(r.value).toBe(noise);
  });

  it("counts bytes, not characters, against the threshold", async () => {
    const text = "é".repeat(5000); // 10,000 UTF-8 bytes, 5,000 characters
    expect((await roundTrip(text)).raw.startsWith("z:")).toBe(true);
    expect((await roundTrip(text)).value).toBe(text);
  });

  it("rejects values JSON cannot write", async () => {
    await expect(encodeEntry({ n: 1n }, 0, 8192)).rejects.toThrow(TypeError);
  });

  it("refuses strings that are not cache entries", () => {
    expect(parseEntry("hello")).toBeUndefined();
    expect(parseEntry("jj:0:x")).toBeUndefined();
    expect(parseEntry("j:x:1")).toBeUndefined();
  });

  it("base64 round-trips every byte value", () => {
    const bytes = Uint8Array.from({ length: 70000 }, (_, i) => i % 256);
    const back = fromBase64(toBase64(bytes));
    expect(back.length).toBe(bytes.length);
    expect(back.every((b, i) => b === bytes[i])).toBe(true);
    expect(toBase64(new TextEncoder().encode("hello"))).toBe("aGVsbG8=");
  });
});
