import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../core/errors.js";
import { canonicalArgs, canonicalJson } from "./canonical.js";

describe("canonicalJson", () => {
  it("sorts object keys at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 2 } })).toBe(
      '{"a":{"c":2,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("does not depend on key order (any object)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
      }),
    );
  });

  it("handles undefined like JSON: absent field, null in arrays", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson([1, undefined])).toBe("[1,null]");
    expect(canonicalJson(undefined)).toBe("null");
  });

  it("tells apart values JSON.stringify would merge", () => {
    expect(canonicalJson(new Map([["a", 1]]))).not.toBe(canonicalJson(new Map([["b", 1]])));
    expect(canonicalJson(new Set([1, 2]))).toBe(canonicalJson(new Set([2, 1])));
    expect(canonicalJson(10n)).toBe("10n");
    expect(canonicalJson(10n)).not.toBe(canonicalJson(10));
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
  });

  it("rejects circular values with a ValidationError", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(ValidationError);
    expect(() => canonicalArgs([[a]])).toThrow(/circular/);
    // The same object twice (not a cycle) is fine.
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });
});

describe("canonicalArgs", () => {
  it("drops trailing undefined arguments", () => {
    expect(canonicalArgs([1])).toBe(canonicalArgs([1, undefined]));
    expect(canonicalArgs([1, undefined, 2])).toBe("[1,null,2]");
    expect(canonicalArgs([])).toBe("[]");
  });

  it("leaves skipped fields out of every plain-object argument", () => {
    const skip = { fields: new Set(["db"]), indexes: new Set<number>() };
    expect(
      canonicalArgs(
        [
          { id: 1, db: { conn: 1 } },
          { db: 2, q: "x" },
        ],
        skip,
      ),
    ).toBe('[{"id":1},{"q":"x"}]');
    // Only top-level fields of the arguments are skipped.
    expect(canonicalArgs([{ nested: { db: 1 } }], skip)).toBe('[{"nested":{"db":1}}]');
  });

  it("leaves skipped positions out", () => {
    const skip = { fields: new Set<string>(), indexes: new Set([1]) };
    expect(canonicalArgs(["a", { session: 1 }, "b"], skip)).toBe(
      canonicalArgs(["a", { session: 2 }, "b"], skip),
    );
    expect(canonicalArgs(["a", { session: 1 }], skip)).toBe(canonicalArgs(["a"], skip));
  });
});
