import { describe, expect, it } from "vitest";
import { ExactNumber, parseJsonExact } from "./json-exact.js";
import { parseCommandBody, parseCommandListBody } from "./request.js";

describe("parseJsonExact", () => {
  it("keeps numbers as written and parses everything else as JSON.parse does", () => {
    const text = '[ "a\\n\\u00e9", 9007199254740993, -1.50e+3, true, false, null, {"k": [1]} ]';
    expect(parseJsonExact(text)).toEqual({
      ok: true,
      value: [
        "a\né",
        new ExactNumber("9007199254740993"),
        new ExactNumber("-1.50e+3"),
        true,
        false,
        null,
        { k: [new ExactNumber("1")] },
      ],
    });
  });

  it("refuses what JSON refuses", () => {
    for (const text of ["[1,]", "[01]", '["a]', "[1] x", '["\u0001"]', "[tru]", "[.5]", "{1:2}"]) {
      expect(parseJsonExact(text), text).toEqual({ ok: false });
    }
  });

  it("bounds nesting", () => {
    expect(parseJsonExact(`${"[".repeat(300)}${"]".repeat(300)}`)).toEqual({ ok: false });
    expect(parseJsonExact(`${"[".repeat(200)}${"]".repeat(200)}`).ok).toBe(true);
  });
});

describe("command bodies", () => {
  it("send numbers JSON.parse may round with their digits, the others as before", () => {
    expect(parseCommandBody('["SET","k",9007199254740993]')).toEqual({
      ok: true,
      value: ["SET", "k", "9007199254740993"],
    });
    expect(parseCommandBody('["ZADD","z",1.5,"m",2,"n",1e400,"o"]')).toEqual({
      ok: true,
      value: ["ZADD", "z", "1.5", "m", "2", "n", "1e400", "o"],
    });
    expect(parseCommandBody('["SET","k",0.1,1e3]')).toEqual({
      ok: true,
      value: ["SET", "k", "0.1", "1000"],
    });
    expect(parseCommandListBody('[["INCRBY","a",18446744073709551616],["GET","a"]]')).toEqual({
      ok: true,
      value: [
        ["INCRBY", "a", "18446744073709551616"],
        ["GET", "a"],
      ],
    });
  });

  it("still refuses bad arguments after the second reading", () => {
    expect(parseCommandBody('["SET",{"a":1},9007199254740993]')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/argument 1 must be a string/),
    });
  });
});
