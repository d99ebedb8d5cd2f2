import { describe, expect, it } from "vitest";
import { parameterList } from "./params.js";

// Functions are built from source text so the test sees exactly what a runtime's toString gives
// (TypeScript annotations are gone by then).
const fromSource = (source: string) =>
  new Function(`return (${source});`)() as (...args: never[]) => unknown;

describe("parameterList (a function's parameters, read from its source)", () => {
  it("reads plain, defaulted and rest parameters of every function form", () => {
    const cases: [string, unknown][] = [
      [
        "function report(reportType, userId, db) {}",
        [{ name: "reportType" }, { name: "userId" }, { name: "db" }],
      ],
      ["async function f(a, b = 1) {}", [{ name: "a" }, { name: "b" }]],
      ["function* g(a) {}", [{ name: "a" }]],
      ["(a, b) => a", [{ name: "a" }, { name: "b" }]],
      ["async (a) => a", [{ name: "a" }]],
      ["a => a", [{ name: "a" }]],
      ["async a => a", [{ name: "a" }]],
      ["() => 1", []],
      ["function () {}", []],
      ["(a, ...rest) => a", [{ name: "a" }, { name: "rest", rest: true }]],
      ["(a,\n b,\n) => a", [{ name: "a" }, { name: "b" }]],
      ["({ m(a, b) { return a; } }).m", [{ name: "a" }, { name: "b" }]],
      ['({ "odd name"(x) { return x; } })["odd name"]', [{ name: "x" }]],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text holding a template literal
      ["({ [`k${1}`](x) { return x; } }).k1", [{ name: "x" }]],
    ];
    for (const [source, expected] of cases)
      expect(parameterList(fromSource(source)), source).toEqual(expected);
  });

  it("skips strings, templates, comments and brackets inside default values", () => {
    const fn = fromSource(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text holding a template literal
      "function f(a = ',)', /* b, */ c = [1, 2], d = { x: '}' }, e = `${(1, 2)})`, // f,\n g = (x, y) => x) {}",
    );
    expect(parameterList(fn)).toEqual([
      { name: "a" },
      { name: "c" },
      { name: "d" },
      { name: "e" },
      { name: "g" },
    ]);
  });

  it("lists the top-level keys of object patterns, not their aliases or nested keys", () => {
    const fn = fromSource(
      "({ reportType, day: when = 'today', 'quoted-key': q, filter: { kind }, ...others }, [x, y], db) => 1",
    );
    expect(parameterList(fn)).toEqual([
      { fields: ["reportType", "day", "quoted-key", "filter"] },
      {},
      { name: "db" },
    ]);
  });

  it("gives up on native and bound functions and on classes", () => {
    expect(parameterList(Math.max)).toBeUndefined();
    expect(
      parameterList(
        function f(a: number) {
          return a;
        }.bind(null),
      ),
    ).toBeUndefined();
    expect(parameterList(class A {} as never)).toBeUndefined();
  });
});
