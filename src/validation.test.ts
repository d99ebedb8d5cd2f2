import { describe, expect, it } from "vitest";
import * as z from "zod";
import { ValidationError } from "./errors.js";
import { finiteNumberSchema, itemIdSchema, keyNameSchema, parseInput } from "./validation.js";

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
});
