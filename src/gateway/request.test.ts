import { describe, expect, it } from "vitest";
import { parseCommand, parseCommandList, parseJson } from "./request.js";

describe("request bodies", () => {
  it("parses JSON and refuses anything else without quoting the body", () => {
    expect(parseJson('["GET","k"]')).toEqual({ ok: true, value: ["GET", "k"] });
    const bad = parseJson('["SET","k","s3cret"');
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain("s3cret");
    expect(parseJson("  ").ok).toBe(false);
  });

  it("converts numbers and booleans to strings", () => {
    expect(parseCommand(["SET", "k", 1.5, true, false, -2])).toEqual({
      ok: true,
      value: ["SET", "k", "1.5", "true", "false", "-2"],
    });
  });

  it("refuses non-arrays, empty commands, empty names and other argument types", () => {
    for (const value of [{ cmd: "GET" }, "GET", 1, null]) {
      expect(parseCommand(value)).toMatchObject({
        ok: false,
        message: expect.stringMatching(/JSON array/),
      });
    }
    expect(parseCommand([])).toMatchObject({ ok: false, message: expect.stringMatching(/empty/) });
    expect(parseCommand([""])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/name is empty/),
    });
    for (const argument of [null, { a: 1 }, ["x"]]) {
      expect(parseCommand(["SET", "k", argument])).toMatchObject({
        ok: false,
        message: expect.stringMatching(/argument 2 must be a string, a number or a boolean/),
      });
    }
  });

  it("parses a list of commands and names the bad one", () => {
    expect(
      parseCommandList([
        ["SET", "a", 1],
        ["GET", "a"],
      ]),
    ).toEqual({
      ok: true,
      value: [
        ["SET", "a", "1"],
        ["GET", "a"],
      ],
    });
    expect(parseCommandList([])).toMatchObject({ ok: false });
    expect(parseCommandList(["GET", "a"])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/command 1/),
    });
    expect(parseCommandList([["GET", "a"], []])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/command 2/),
    });
    expect(parseCommandList({})).toMatchObject({ ok: false });
  });
});
