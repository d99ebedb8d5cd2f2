import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RedgeClient } from "../client.js";
import type { CommandPort } from "../core/port.js";
import { decodeData, decodeItem, encodeData, enqueuedAtOf, priorityOf } from "./codec.js";
import { priorityKeys } from "./keys.js";

const base36 = (n: number, width: number) => n.toString(36).padStart(width, "0");
const prefix = (ms: number, seq: number, place = 0) =>
  base36(ms, 9) + base36(seq, 4) + base36(place, 3);

describe("priority codec", () => {
  it("tags strings and JSON so each comes back as it went in", () => {
    for (const data of ["42", 42, "", "null", null, '{"a":1}', { a: [1, "é"] }, true, "s", "j"]) {
      const stored = prefix(1, 2) + encodeData(data);
      expect(decodeData(stored)).toEqual(data);
    }
    expect(encodeData("abc")).toBe("sabc");
    expect(encodeData(7)).toBe("j7");
    expect(() => decodeData(`${prefix(1, 2)}xabc`)).toThrow(/unknown tag/);
  });

  it("computes priority = offset - score with full precision and no -0", () => {
    expect(priorityOf("0", "-5")).toBe(5);
    expect(Object.is(priorityOf("0", "0"), 0)).toBe(true);
    expect(Object.is(priorityOf("0", "-0"), 0)).toBe(true);
    expect(priorityOf("-3", "-10.5")).toBe(7.5);
    expect(priorityOf("0", "-0.10000000000000001")).toBe(0.1);
    expect(priorityOf("0", String(-(2 ** 53)))).toBe(2 ** 53);
  });

  it("reads the enqueue time from the sortable prefix", () => {
    const ms = 1_795_471_959_284;
    expect(enqueuedAtOf(`${prefix(ms, 36 ** 4 - 1, 1_000)}some-id`)).toBe(ms);
    expect(enqueuedAtOf(`${prefix(999_999_999_999, 0)}x`)).toBe(999_999_999_999);
    expect(prefix(ms, 36 ** 4 - 1, 36 ** 3 - 1)).toHaveLength(16);
    // Fixed width: text order is numeric order.
    expect(prefix(ms, 35, 0) < prefix(ms, 36, 0)).toBe(true);
    expect(prefix(ms, 36 ** 4 - 1, 0) < prefix(ms + 1, 0, 0)).toBe(true);
    const item = decodeItem("0", `${prefix(ms, 3)}id:1`, "-2", `${prefix(ms, 3)}j[1]`, "");
    expect(item).toEqual({
      id: "id:1",
      data: [1],
      priority: 2,
      enqueuedAt: ms,
      leasedUntil: null,
      attempts: 0,
    });
    expect(decodeItem("0", `${prefix(ms, 3)}x`, "1", `${prefix(ms, 3)}sv`, "99").leasedUntil).toBe(
      99,
    );
  });
});

describe("priority keys and scripts", () => {
  it("puts every key of a stream under one hash tag and the client's prefix", () => {
    const port = { kind: "tcp" } as CommandPort;
    const keys = priorityKeys(new RedgeClient(port, { keyPrefix: "app:" }), "jobs");
    expect(keys).toEqual([
      "app:ps:{jobs}:q",
      "app:ps:{jobs}:h",
      "app:ps:{jobs}:x",
      "app:ps:{jobs}:l",
      "app:ps:{jobs}:lp",
      "app:ps:{jobs}:m",
      "app:ps:{jobs}:xc",
      "app:ps:{jobs}:d",
      "app:ps:{jobs}:dp",
      "app:ps:{jobs}:a",
      "app:ps:{jobs}:dl",
      "app:ps:{jobs}:dz",
      "app:ps:{jobs}:ev",
      "app:ps:{jobs}:rw",
      "app:ps:{jobs}:s",
      "app:ps:{jobs}:lt",
    ]);
  });

  it("documents KEYS and ARGV atop every script and never builds a key name in Lua", () => {
    const folder = new URL(".", import.meta.url).pathname;
    const scripts = readdirSync(folder).filter((f) => f.endsWith(".lua"));
    expect(scripts.length).toBeGreaterThanOrEqual(21);
    const header = readFileSync(`${folder}ack.lua`, "utf8").match(/KEYS \(16[\s\S]*?\nARGV/)![0];
    for (const file of scripts) {
      const source = readFileSync(folder + file, "utf8");
      expect(source.startsWith("--[[\npriority stream: "), file).toBe(true);
      // The same sixteen keys, documented the same way, atop every script.
      expect(source, file).toContain(header.replace(/\nARGV$/, ""));
      if (file === "pull.lua") expect(source).toContain("17 ps:{name}:pull:<pull id>");
      expect(source, file).toMatch(/\nARGV/);
      // Keys are only ever KEYS[n]: no key name assembled from strings.
      expect(source.replace(/--\[\[[\s\S]*?\]\]/, ""), file).not.toMatch(/ps:|:q"|:h"/);
    }
  });
});
