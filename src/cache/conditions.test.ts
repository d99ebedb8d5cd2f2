import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors.js";
import { parseInput } from "../validation.js";
import { cacheConditionsSchema, compileConditions } from "./conditions.js";

describe("cacheIf conditions", () => {
  it("reads fields of the first plain-object argument, dots going deeper", () => {
    const daily = compileConditions([{ arg: "reportType", in: ["daily", "weekly"] }]);
    expect(daily([{ reportType: "daily" }])).toBe(true);
    expect(daily([{ reportType: "yearly" }])).toBe(false);
    expect(daily(["not an object", { reportType: "weekly" }])).toBe(true);
    expect(daily([])).toBe(false);
    const nested = compileConditions([{ arg: "report.type", eq: "daily" }]);
    expect(nested([{ report: { type: "daily" } }])).toBe(true);
    expect(nested([{ report: "daily" }])).toBe(false);
  });

  it("reads positional arguments by index", () => {
    const first = compileConditions([{ arg: 0, notIn: ["admin"] }]);
    expect(first(["user"])).toBe(true);
    expect(first(["admin"])).toBe(false);
    expect(first([])).toBe(true); // a missing value is in no list
  });

  it("ORs conditions and compares objects by content", () => {
    const either = compileConditions([
      { arg: "a", eq: { x: 1, y: [1, 2] } },
      { arg: 1, eq: 5 },
    ]);
    expect(either([{ a: { y: [1, 2], x: 1 } }])).toBe(true);
    expect(either([{ a: { x: 2 } }, 5])).toBe(true);
    expect(either([{ a: { x: 2 } }, 6])).toBe(false);
  });

  it("validates: exactly one test per condition, naming the field", () => {
    const bad = (value: unknown) => {
      try {
        parseInput(cacheConditionsSchema, value, "cacheIf");
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      throw new Error("accepted");
    };
    expect(bad([{ arg: "a" }])).toEqual(["cacheIf.0"]);
    expect(bad([{ arg: "a", in: [1], eq: 1 }])).toEqual(["cacheIf.0"]);
    expect(bad([{ arg: -1, eq: 1 }])).toEqual(["cacheIf.0.arg"]);
    expect(bad([{ arg: "a", in: "x" }])).toEqual(["cacheIf.0.in"]);
    expect(bad([{ arg: "a", eq: 1, other: 1 }])).toEqual(["cacheIf.0"]);
    expect(bad([])).toEqual(["cacheIf"]);
  });
});
