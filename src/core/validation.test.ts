import { EdgeRuntime } from "edge-runtime";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { ValidationError } from "./errors.js";
import {
  abortSignalSchema,
  finiteNumberSchema,
  isAbortSignal,
  itemIdSchema,
  keyNameSchema,
  parseInput,
} from "./validation.js";

describe("validation", () => {
  it("rejects names that could reach other keys", () => {
    for (const bad of ["", "a{b", "a}b", "x\ny", "\u0000", "a".repeat(201)]) {
      expect(keyNameSchema.safeParse(bad).success).toBe(false);
    }
    expect(keyNameSchema.safeParse("orders:eu-west_1").success).toBe(true);
    expect(itemIdSchema.safeParse("job/42 ✓").success).toBe(true);
  });

  it("names every bad field with the argument's path", () => {
    const schema = z.object({ id: itemIdSchema, priority: finiteNumberSchema });
    try {
      parseInput(
        z.array(schema),
        [
          { id: "ok", priority: 1 },
          { id: "{x}", priority: Number.NaN },
        ],
        "items",
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const paths = (error as ValidationError).issues.map((i) => i.path);
      expect(paths).toEqual(["items.1.id", "items.1.priority"]);
      expect((error as ValidationError).message).toMatch(/items\.1\.id: must not contain/);
    }
  });

  it("recognises an AbortSignal by its shape, from any realm", () => {
    // A signal made inside the edge-runtime VM: a real AbortSignal, but not this realm's class.
    const foreign = new EdgeRuntime().evaluate<AbortSignal>("new AbortController().signal");
    // Not this realm's class (so an instanceof check would refuse it).
    expect(Object.getPrototypeOf(foreign) === AbortSignal.prototype).toBe(false);
    expect(isAbortSignal(foreign)).toBe(true);
    expect(isAbortSignal(new AbortController().signal)).toBe(true);
    expect(isAbortSignal(AbortSignal.abort())).toBe(true);
    for (const bad of [undefined, null, {}, "signal", { aborted: "no" }, new EventTarget()]) {
      expect(isAbortSignal(bad)).toBe(false);
    }
    expect(abortSignalSchema.safeParse(foreign).success).toBe(true);
    expect(abortSignalSchema.safeParse({ aborted: false }).error?.issues[0]?.message).toBe(
      "must be an AbortSignal",
    );
  });
});
