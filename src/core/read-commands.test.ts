import { describe, expect, it } from "vitest";
import { classifyCommand } from "./read-commands.js";

describe("the clients' static read list", () => {
  it("counts reads as reads, by name and by subcommand", () => {
    for (const command of [
      ["GET", "k"],
      ["mget", "a", "b"],
      ["XREAD", "STREAMS", "s", "0"],
      ["SCRIPT", "EXISTS", "abc"],
      ["CLUSTER", "INFO"],
      ["EVALSHA_RO", "abc", "0"],
    ]) {
      expect(classifyCommand(command).access, command.join(" ")).toBe("read");
    }
  });

  it("counts everything else as a write, unknown commands and PFCOUNT included", () => {
    for (const command of [
      ["SET", "k", "v"],
      ["EVAL", "return 1", "0"],
      ["SCRIPT", "LOAD", "return 1"],
      ["PFCOUNT", "h"],
      ["SOMEFUTURECOMMAND", "k"],
    ]) {
      expect(classifyCommand(command).access, command.join(" ")).toBe("write");
    }
  });
});
