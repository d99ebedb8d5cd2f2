import { describe, expect, it } from "vitest";
import {
  allowSet,
  checkCommand,
  checkCommands,
  classifyCommand,
  unallowableReason,
} from "./commands.js";

const rw = { allow: allowSet([]), readOnly: false };
const ro = { allow: allowSet([]), readOnly: true };

describe("command policy", () => {
  it("lets ordinary commands through for read-write tokens", () => {
    for (const command of [
      ["SET", "k", "v"],
      ["get", "k"],
      ["EVAL", "return 1", "0"],
      ["XREAD", "STREAMS", "s", "0"],
    ]) {
      expect(checkCommand(command, rw)).toBeUndefined();
    }
  });

  it.each([
    ["FLUSHALL"],
    ["flushdb"],
    ["CONFIG", "GET", "requirepass"],
    ["SHUTDOWN"],
    ["DEBUG", "SLEEP", "1"],
    ["SCRIPT", "FLUSH"],
    ["script", "kill"],
    ["CLIENT", "KILL", "ID", "1"],
    ["CLIENT", "PAUSE", "100"],
    ["CLIENT", "LIST"],
    ["REPLICAOF", "NO", "ONE"],
    ["SLAVEOF", "NO", "ONE"],
    ["MODULE", "LIST"],
    ["ACL", "LIST"],
    ["SAVE"],
    ["BGSAVE"],
    ["BGREWRITEAOF"],
    ["FAILOVER"],
    ["CLUSTER", "RESET"],
    ["KEYS", "*"],
    ["SWAPDB", "0", "1"],
    ["MIGRATE", "h", "1", "k", "0", "1"],
    ["FUNCTION", "FLUSH"],
  ])("denies %s with a 400 naming the command", (...command) => {
    const rejection = checkCommand(command, rw);
    expect(rejection?.status).toBe(400);
    expect(rejection?.message).toContain(classifyCommand(command).label);
    expect(rejection?.message).toMatch(/disabled/);
  });

  it.each([
    ["BLPOP", "q", "0"],
    ["BRPOP", "q", "0"],
    ["BRPOPLPUSH", "a", "b", "0"],
    ["BLMOVE", "a", "b", "LEFT", "LEFT", "0"],
    ["BLMPOP", "0", "1", "a", "LEFT"],
    ["BZPOPMIN", "z", "0"],
    ["BZPOPMAX", "z", "0"],
    ["BZMPOP", "0", "1", "z", "MIN"],
    ["WAIT", "1", "0"],
    ["WAITAOF", "1", "0", "0"],
    ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
    ["xreadgroup", "GROUP", "g", "c", "block", "10", "STREAMS", "s", ">"],
    ["SUBSCRIBE", "c"],
    ["PSUBSCRIBE", "c*"],
    ["SSUBSCRIBE", "c"],
    ["UNSUBSCRIBE"],
    ["MONITOR"],
    ["WATCH", "k"],
    ["UNWATCH"],
    ["MULTI"],
    ["EXEC"],
    ["DISCARD"],
    ["SELECT", "1"],
    ["AUTH", "pw"],
    ["HELLO", "3"],
    ["QUIT"],
    ["RESET"],
    ["SYNC"],
    ["PSYNC", "?", "-1"],
    ["CLIENT", "REPLY", "OFF"],
    ["CLIENT", "SETNAME", "x"],
    ["SCRIPT", "DEBUG", "YES"],
  ])("refuses blocking or connection-state %s, even when allowed", (...command) => {
    const name = String(command[0]).toUpperCase();
    const allowAll = {
      allow: allowSet([name, `${name} ${String(command[1] ?? "").toUpperCase()}`]),
      readOnly: false,
    };
    const rejection = checkCommand(command, allowAll);
    expect(rejection?.status).toBe(400);
    expect(rejection?.message).toMatch(/not supported/);
  });

  it("does not mistake a stream key named BLOCK for the BLOCK option", () => {
    expect(checkCommand(["XREAD", "COUNT", "1", "STREAMS", "BLOCK", "0"], ro)).toBeUndefined();
  });

  it("allows denied commands listed in allow, by name or by subcommand pair", () => {
    const policy = { allow: allowSet(["flushdb", "script  flush", "KEYS"]), readOnly: false };
    expect(checkCommand(["FLUSHDB"], policy)).toBeUndefined();
    expect(checkCommand(["SCRIPT", "FLUSH"], policy)).toBeUndefined();
    expect(checkCommand(["SCRIPT", "KILL"], policy)?.status).toBe(400);
    expect(checkCommand(["FLUSHALL"], policy)?.status).toBe(400);
    expect(
      checkCommand(["CLIENT", "KILL", "ID", "1"], { allow: allowSet(["CLIENT"]), readOnly: false }),
    ).toBeUndefined();
    // KEYS, once allowed, is a read.
    expect(checkCommand(["KEYS", "*"], { ...policy, readOnly: true })).toBeUndefined();
  });

  it("keeps harmless CLIENT and CLUSTER subcommands available", () => {
    for (const command of [
      ["CLIENT", "ID"],
      ["client", "info"],
      ["CLUSTER", "INFO"],
      ["CLUSTER", "KEYSLOT", "k"],
    ]) {
      expect(checkCommand(command, ro)).toBeUndefined();
    }
  });

  it("lets read-only tokens run reads only; unknown commands count as writes", () => {
    for (const command of [
      ["GET", "k"],
      ["mget", "a", "b"],
      ["HGETALL", "h"],
      ["ZRANGE", "z", "0", "-1"],
      ["SCAN", "0"],
      ["EVALSHA_RO", "abc", "0"],
      ["SCRIPT", "EXISTS", "abc"],
      ["MEMORY", "USAGE", "k"],
      ["OBJECT", "ENCODING", "k"],
      ["XREAD", "STREAMS", "s", "0"],
      ["PING"],
      ["TOUCH", "k"],
      ["SORT_RO", "l"],
      ["json.get", "doc", "$"],
    ]) {
      expect(checkCommand(command, ro), command.join(" ")).toBeUndefined();
    }
    for (const command of [
      ["SET", "k", "v"],
      ["EVAL", "return 1", "0"],
      ["EVALSHA", "abc", "0"],
      ["SCRIPT", "LOAD", "return 1"],
      ["SORT", "l"],
      ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
      ["MEMORY", "PURGE"],
      ["SOMEFUTURECOMMAND", "k"],
      ["PUBLISH", "c", "m"],
    ]) {
      const rejection = checkCommand(command, ro);
      expect(rejection?.status, command.join(" ")).toBe(403);
      expect(rejection?.message).toMatch(/^NOPERM/);
    }
  });

  it("checks every command of a batch; a denial (400) wins over a read-only refusal (403)", () => {
    expect(
      checkCommands(
        [
          ["GET", "a"],
          ["GET", "b"],
        ],
        ro,
      ),
    ).toBeUndefined();
    const forbidden = checkCommands(
      [
        ["GET", "a"],
        ["SET", "b", "1"],
      ],
      ro,
    );
    expect(forbidden).toMatchObject({ status: 403 });
    expect(forbidden?.message).toContain("command 2");
    expect(checkCommands([["SET", "b", "1"], ["FLUSHALL"]], ro)).toMatchObject({ status: 400 });
  });

  it("names allow entries that can never take effect", () => {
    expect(unallowableReason("BLPOP")).toMatch(/cannot be allowed/);
    expect(unallowableReason("client reply")).toMatch(/cannot be allowed/);
    expect(unallowableReason("FLUSHDB")).toBeUndefined();
    expect(unallowableReason("SCRIPT FLUSH")).toBeUndefined();
  });
});
