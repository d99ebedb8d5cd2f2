import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256Bytes, sha256Hex } from "./sha256.js";

describe("sha256Hex", () => {
  it("matches the published test vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("agrees with node:crypto on any text, across block boundaries", () => {
    for (const n of [55, 56, 63, 64, 65, 119, 120, 1000]) {
      const text = "a".repeat(n);
      expect(sha256Hex(text)).toBe(createHash("sha256").update(text).digest("hex"));
    }
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
      }),
    );
  });

  it("agrees with node:crypto on ASCII text on both sides of the by-hand encoding's limit", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
          maxLength: 400,
        }),
        fc.string({ unit: "grapheme", maxLength: 3 }),
        (ascii, tail) => {
          for (const text of [ascii, ascii + tail]) {
            expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
          }
        },
      ),
    );
  });

  it("encodes lone surrogates as U+FFFD, as node:crypto does", () => {
    for (const text of ["\ud800", "a\udc00b", "\ud83d"]) {
      expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    }
  });

  it("gives the same digest as bytes", () => {
    const bytes = sha256Bytes("abc");
    expect(bytes).toHaveLength(32);
    expect(Buffer.from(bytes).toString("hex")).toBe(sha256Hex("abc"));
  });
});
