import { describe, expect, it } from "vitest";
import { pollDelay } from "./cache.js";

describe("pollDelay", () => {
  it("backs off ×1.5 from 10 ms to 250 ms, keeping at least half of each step", () => {
    const low = (attempt: number) => pollDelay(attempt, -1, () => 0);
    const high = (attempt: number) => pollDelay(attempt, -1, () => 1);
    expect(low(0)).toBe(5);
    expect(high(0)).toBe(10);
    expect(high(1)).toBe(15);
    expect(high(20)).toBe(250);
    expect(low(20)).toBe(125);
  });

  it("never sleeps past the end of the lease it waits on", () => {
    expect(pollDelay(20, 3, () => 1)).toBe(4);
    expect(pollDelay(0, 1_000, () => 1)).toBe(10);
  });
});
