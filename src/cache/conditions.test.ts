import { describe, expect, it } from "vitest";
import { ValidationError } from "../core/errors.js";
import { parseInput } from "../core/validation.js";
import { type CacheCondition, cacheConditionsSchema, compileConditions } from "./conditions.js";

const issuesOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error("accepted");
};
const bad = (value: unknown) =>
  issuesOf(() => parseInput(cacheConditionsSchema, value, "cacheIf")).map((i) => i.path);

describe("cacheIf conditions, redge's shape", () => {
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

  it("has ne, gt, gte, lt, lte too", () => {
    const check = (condition: CacheCondition, value: unknown) =>
      compileConditions([condition])([value]);
    expect(check({ arg: 0, ne: "live" }, "daily")).toBe(true);
    expect(check({ arg: 0, ne: "live" }, "live")).toBe(false);
    expect(check({ arg: 0, gt: 10 }, 11)).toBe(true);
    expect(check({ arg: 0, gt: 10 }, 10)).toBe(false);
    expect(check({ arg: 0, gte: 10 }, 10)).toBe(true);
    expect(check({ arg: 0, lt: "m" }, "a")).toBe(true);
    expect(check({ arg: 0, lte: "m" }, "n")).toBe(false);
  });

  it("validates: exactly one test per condition, naming the field", () => {
    expect(bad([{ arg: "a" }])).toEqual(["cacheIf.0"]);
    expect(bad([{ arg: "a", in: [1], eq: 1 }])).toEqual(["cacheIf.0"]);
    expect(bad([{ arg: -1, eq: 1 }])).toEqual(["cacheIf.0.arg"]);
    expect(bad([{ arg: "a", in: "x" }])).toEqual(["cacheIf.0.in"]);
    expect(bad([{ arg: "a", gt: [1] }])).toEqual(["cacheIf.0.gt"]);
    expect(bad([{ arg: "a", eq: 1, other: 1 }])).toEqual(["cacheIf.0"]);
    expect(bad([])).toEqual(["cacheIf"]);
  });
});

describe("cacheIf conditions, the seed's shape { kwarg, operator, value }", () => {
  // function report(reportType, userId, db): kwargs are the parameters' names.
  function report(reportType: string, userId: number, db?: unknown) {
    return [reportType, userId, db];
  }
  const holds = (operator: string, value: unknown, args: unknown[]) =>
    compileConditions([{ kwarg: "userId", operator, value } as CacheCondition], report)(args);

  it("supports every operator dtpyfw users write", () => {
    const call = (userId: unknown) => ["daily", userId, {}];
    expect(holds("in", [1, 2], call(2))).toBe(true);
    expect(holds("in", [1, 2], call(3))).toBe(false);
    expect(holds("not in", [1, 2], call(3))).toBe(true);
    expect(holds("not in", [1, 2], call(1))).toBe(false);
    expect(holds("==", 7, call(7))).toBe(true);
    expect(holds("==", 7, call("7"))).toBe(false);
    expect(holds("!=", 7, call(8))).toBe(true);
    expect(holds("!=", 7, call(7))).toBe(false);
    expect(holds(">", 10, call(11))).toBe(true);
    expect(holds(">", 10, call(10))).toBe(false);
    expect(holds(">=", 10, call(10))).toBe(true);
    expect(holds(">=", 10, call(9))).toBe(false);
    expect(holds("<", 10, call(9))).toBe(true);
    expect(holds("<", 10, call(10))).toBe(false);
    expect(holds("<=", 10, call(10))).toBe(true);
    expect(holds("<=", 10, call(11))).toBe(false);
    // Ordering needs two numbers or two strings: anything else does not hold (not cached).
    expect(holds(">", 10, call("11"))).toBe(false);
    expect(holds("<", 10, call(undefined))).toBe(false);
    expect(holds("<", 10, call(Number.NaN))).toBe(false);
    // A missing argument is in no list.
    expect(holds("not in", [1], ["daily"])).toBe(true);
  });

  it("finds a kwarg among plain parameters, destructured fields, and dotted paths", () => {
    const positional = compileConditions(
      [{ kwarg: "reportType", operator: "in", value: ["daily", "weekly"] }],
      report,
    );
    expect(positional(["daily", 1])).toBe(true);
    expect(positional(["live", 1])).toBe(false);

    const destructured = compileConditions(
      [{ kwarg: "reportType", operator: "==", value: "daily" }],
      ({ reportType }: { reportType: string }, _db?: unknown) => reportType,
    );
    expect(destructured([{ reportType: "daily" }])).toBe(true);
    expect(destructured([{ reportType: "weekly" }])).toBe(false);

    const dotted = compileConditions(
      [{ kwarg: "q.filter.kind", operator: "!=", value: "live" }],
      (q: { filter: { kind: string } }) => q,
    );
    expect(dotted([{ filter: { kind: "stored" } }])).toBe(true);
    expect(dotted([{ filter: { kind: "live" } }])).toBe(false);
  });

  it("mixes with redge's shape in one list, OR-ed", () => {
    const either = compileConditions(
      [
        { kwarg: "userId", operator: ">", value: 100 },
        { arg: 0, eq: "daily" },
      ],
      report,
    );
    expect(either(["daily", 1])).toBe(true);
    expect(either(["live", 101])).toBe(true);
    expect(either(["live", 1])).toBe(false);
  });

  it("rejects, at compile time, a kwarg the function does not take", () => {
    const issues = issuesOf(() =>
      compileConditions(
        [
          { kwarg: "userId", operator: "==", value: 1 },
          { kwarg: "tenant", operator: "==", value: "a" },
        ],
        report,
      ),
    );
    expect(issues).toEqual([
      {
        path: "cacheIf.1.kwarg",
        message: expect.stringContaining(
          '"tenant" is not an argument of the wrapped function (it takes reportType, userId, db)',
        ),
      },
    ]);
    // The parameters of a bound function cannot be read: say so, and how to name them.
    const bound = report.bind(null);
    expect(
      issuesOf(() => compileConditions([{ kwarg: "userId", operator: "==", value: 1 }], bound))[0]
        ?.message,
    ).toMatch(/argNames/);
    const named = compileConditions([{ kwarg: "userId", operator: "==", value: 1 }], bound, [
      "reportType",
      "userId",
    ]);
    expect(named(["x", 1])).toBe(true);
  });

  it("validates operator and value, naming the field", () => {
    expect(bad([{ kwarg: "a", operator: "~=", value: 1 }])).toEqual(["cacheIf.0.operator"]);
    expect(bad([{ kwarg: "a", operator: "in", value: "abc" }])).toEqual(["cacheIf.0.value"]);
    expect(bad([{ kwarg: "a", operator: ">", value: { x: 1 } }])).toEqual(["cacheIf.0.value"]);
    expect(bad([{ kwarg: "a", operator: "==" }])).toEqual(["cacheIf.0.value"]);
    expect(bad([{ kwarg: "", operator: "==", value: 1 }])).toEqual(["cacheIf.0.kwarg"]);
    expect(bad([{ kwarg: "a", operator: "==", value: 1, arg: 0 }])).toEqual(["cacheIf.0"]);
    expect(
      parseInput(cacheConditionsSchema, [{ kwarg: "a", operator: "==", value: null }]),
    ).toEqual([{ kwarg: "a", operator: "==", value: null }]);
  });
});
