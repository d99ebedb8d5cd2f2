/**
 * Tokens and limits from the environment, as every entry point reads them.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/index.js";
import { maxBodyBytesFromEnv, tokensFromEnv } from "../../worker/adapter/env.js";

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("tokensFromEnv", () => {
  it("splits on commas, trims, drops blanks", () => {
    expect(
      tokensFromEnv({ REDGE_TOKENS: " a ,b,, c ", REDGE_READ_TOKENS: "r1, r2 ,", OTHER: "x" }),
    ).toEqual({ tokens: ["a", "b", "c"], readOnlyTokens: ["r1", "r2"] });
    expect(tokensFromEnv({ REDGE_TOKENS: "only" })).toEqual({
      tokens: ["only"],
      readOnlyTokens: [],
    });
  });

  it("requires a read-write token, with a message naming the variable", () => {
    for (const env of [
      {},
      { REDGE_TOKENS: "" },
      { REDGE_TOKENS: " , ,, " },
      { REDGE_TOKENS: 42 },
    ]) {
      const error = configError(() => tokensFromEnv(env));
      expect(error.issues).toEqual([
        { path: "REDGE_TOKENS", message: expect.stringMatching(/^is required/) },
      ]);
    }
    // Read-only tokens alone are not enough.
    expect(configError(() => tokensFromEnv({ REDGE_READ_TOKENS: "r" })).message).toMatch(
      /REDGE_TOKENS: is required/,
    );
  });

  it("rejects bad or doubly listed tokens without quoting them", () => {
    const secret = "s3cret\twith-tab";
    const error = configError(() =>
      tokensFromEnv({ REDGE_TOKENS: `ok,${secret},both`, REDGE_READ_TOKENS: "both" }),
    );
    expect(error.issues).toEqual([
      { path: "REDGE_TOKENS", message: "entry 2 must be printable ASCII without spaces" },
      {
        path: "REDGE_READ_TOKENS",
        message: "entry 1 is also in REDGE_TOKENS; a token is either read-write or read-only",
      },
    ]);
    expect(error.message).not.toContain("s3cret");
    expect(error.message).not.toContain("both,");
  });
});

describe("maxBodyBytesFromEnv", () => {
  it("is undefined when unset, a number when set, an error naming the variable when bad", () => {
    expect(maxBodyBytesFromEnv({})).toBeUndefined();
    expect(maxBodyBytesFromEnv({ REDGE_MAX_BODY_BYTES: " " })).toBeUndefined();
    expect(maxBodyBytesFromEnv({ REDGE_MAX_BODY_BYTES: " 2048 " })).toBe(2048);
    for (const bad of ["0", "-1", "1e6", "lots"]) {
      expect(configError(() => maxBodyBytesFromEnv({ REDGE_MAX_BODY_BYTES: bad })).issues).toEqual([
        { path: "REDGE_MAX_BODY_BYTES", message: "must be a positive whole number of bytes" },
      ]);
    }
  });
});
