/**
 * The gateway's policy against the command table of the real redis-server the tests run: every
 * verdict below comes from that server's flags, categories, key specs and grammar.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CommandTable, loadCommandTable, parseCommandTable } from "./command-table.js";
import { readOnlyScriptShas, redgeScriptShas } from "./known-scripts.js";
import {
  allowSet,
  checkCommand,
  checkCommands,
  classify,
  deniedInScripts,
  type PolicySettings,
  sha1,
  unallowableReason,
} from "./policy.js";

let redis: Redis;
let table: CommandTable;

beforeAll(async () => {
  redis = new Redis(inject("redisUrl"));
  table = await loadCommandTable((command) => redis.call(command[0]!, ...command.slice(1)));
});
afterAll(() => redis?.disconnect());

const known = new Set(redgeScriptShas());
const settings = (over: Partial<PolicySettings> = {}): PolicySettings => ({
  allow: allowSet([]),
  allowScripts: false,
  knownScripts: known,
  ...over,
});
const rw = (command: string[], s = settings()) => checkCommand(table, command, s, false);
const ro = (command: string[], s = settings()) => checkCommand(table, command, s, true);

describe("gateway policy from Redis' command table", () => {
  it("lets ordinary commands through for read-write tokens", () => {
    for (const command of [
      ["SET", "k", "v"],
      ["get", "k"],
      ["XREAD", "STREAMS", "s", "0"],
      ["PUBLISH", "c", "m"],
      ["CLIENT", "ID"],
    ]) {
      expect(rw(command), command.join(" ")).toEqual({ ok: true });
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
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "RESTORE", "x"],
    ["CLIENT", "KILL", "ID", "1"],
    ["CLIENT", "LIST"],
    ["REPLICAOF", "NO", "ONE"],
    ["MODULE", "LIST"],
    ["ACL", "LIST"],
    ["SAVE"],
    ["BGSAVE"],
    ["FAILOVER"],
    ["CLUSTER", "RESET"],
    ["KEYS", "*"],
    ["SWAPDB", "0", "1"],
    ["MIGRATE", "h", "1", "k", "0", "1"],
    ["SLOWLOG", "GET"],
    ["PFDEBUG", "GETREG", "h"],
    ["PFSELFTEST"],
    ["RESTORE", "k", "0", "payload"],
    ["SORT", "l", "BY", "nosort"],
    ["INFO"],
    ["MOVE", "k", "1"],
    ["COPY", "a", "b", "DB", "1"],
  ])("denies %s with a 400 naming it (dangerous or admin per Redis)", (...command) => {
    const verdict = rw(command);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.status).toBe(400);
    expect(verdict.message).toContain(classify(table, command, known).label);
    expect(verdict.message).toMatch(/disabled/);
  });

  it.each([
    ["BLPOP", "q", "0"],
    ["BRPOPLPUSH", "a", "b", "0"],
    ["BLMOVE", "a", "b", "LEFT", "LEFT", "0"],
    ["BZMPOP", "0", "1", "z", "MIN"],
    ["WAIT", "1", "0"],
    ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
    ["xreadgroup", "GROUP", "g", "c", "block", "10", "STREAMS", "s", ">"],
    // GROUP takes two values (here STREAMS and c); the BLOCK after them is an option.
    ["XREADGROUP", "GROUP", "STREAMS", "c", "BLOCK", "0", "STREAMS", "bs", ">"],
    ["XREAD", "COUNT", "1", "BLOCK", "0", "COUNT", "2", "STREAMS", "s", "$"],
    ["SUBSCRIBE", "c"],
    ["MONITOR"],
    ["MULTI"],
    ["WATCH", "k"],
    ["SELECT", "1"],
    ["AUTH", "pw"],
    ["HELLO", "3"],
    ["RESET"],
    ["CLIENT", "REPLY", "OFF"],
    ["CLIENT", "SETNAME", "x"],
    ["SCRIPT", "DEBUG", "YES"],
  ])("refuses blocking or connection-state %s, even when allowed", (...command) => {
    const name = String(command[0]).toUpperCase();
    const all = settings({
      allow: allowSet([name, `${name} ${String(command[1]).toUpperCase()}`]),
    });
    const verdict = rw(command, all);
    expect(verdict).toMatchObject({ ok: false, status: 400 });
    expect(verdict.ok ? "" : verdict.message).toMatch(/not supported/);
  });

  it("does not mistake a stream key or group named BLOCK for the BLOCK option", () => {
    expect(ro(["XREAD", "COUNT", "1", "STREAMS", "BLOCK", "0"])).toEqual({ ok: true });
    expect(rw(["XREADGROUP", "GROUP", "BLOCK", "c", "STREAMS", "s", ">"])).toEqual({ ok: true });
    expect(rw(["XREADGROUP", "GROUP", "g", "BLOCK", "COUNT", "5", "STREAMS", "s", ">"])).toEqual({
      ok: true,
    });
  });

  it("lets COPY within the database through", () => {
    expect(rw(["COPY", "a", "b", "REPLACE"])).toEqual({ ok: true });
  });

  it("refuses commands this server does not have", () => {
    expect(rw(["SOMEFUTURECOMMAND", "k"])).toMatchObject({ ok: false, status: 400 });
  });

  it("allows denied commands listed in allow, by name or by subcommand pair", () => {
    const s = settings({ allow: allowSet(["flushdb", "script  flush", "KEYS", "CLIENT"]) });
    expect(rw(["FLUSHDB"], s)).toEqual({ ok: true });
    expect(rw(["SCRIPT", "FLUSH"], s)).toEqual({ ok: true });
    expect(rw(["SCRIPT", "KILL"], s)).toMatchObject({ status: 400 });
    expect(rw(["FLUSHALL"], s)).toMatchObject({ status: 400 });
    expect(rw(["CLIENT", "KILL", "ID", "1"], s)).toEqual({ ok: true });
    // KEYS, once allowed, is a read.
    expect(ro(["KEYS", "*"], s)).toEqual({ ok: true });
  });

  it("lets read-only tokens run reads only, with PFCOUNT and PUBLISH counted as writes", () => {
    for (const command of [
      ["GET", "k"],
      ["HGETALL", "h"],
      ["SCAN", "0"],
      ["SCRIPT", "EXISTS", "abc"],
      ["MEMORY", "USAGE", "k"],
      ["OBJECT", "ENCODING", "k"],
      ["XREAD", "STREAMS", "s", "0"],
      ["PING"],
      ["PUBSUB", "CHANNELS"],
      ["CLUSTER", "KEYSLOT", "k"],
    ]) {
      expect(ro(command), command.join(" ")).toEqual({ ok: true });
    }
    for (const command of [
      ["SET", "k", "v"],
      ["PFCOUNT", "h"],
      ["PUBLISH", "c", "m"],
      ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
      ["EVAL", "return 1", "0"],
      ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() return 1 end)"],
    ]) {
      const verdict = ro(command);
      expect(verdict, command.join(" ")).toMatchObject({ ok: false, status: 403 });
      expect(verdict.ok ? "" : verdict.message).toMatch(/^NOPERM/);
    }
  });

  it("runs only known scripts unless allowScripts, for every way of naming code", () => {
    const [redgeSha] = known;
    const source = "return redis.call('FLUSHALL')";
    for (const command of [
      ["EVAL", source, "0"],
      ["EVAL_RO", "while true do end", "0"],
      ["EVALSHA", sha1(source), "0"],
      ["EVALSHA_RO", sha1(source), "0"],
      ["SCRIPT", "LOAD", source],
      ["FCALL", "f", "0"],
      ["FCALL_RO", "f", "0"],
      ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() return 1 end)"],
      ["FUNCTION", "DELETE", "x"],
    ]) {
      const verdict = rw(command);
      expect(verdict, command[0]).toMatchObject({ ok: false, status: 403 });
      expect(verdict.ok ? "" : verdict.message).toMatch(/--allow-scripts/);
      // With allowScripts they run, under a time budget (the kill command says how to stop one).
      expect(rw(command, settings({ allowScripts: true })).ok, command[0]).toBe(true);
    }
    expect(rw(["EVALSHA", redgeSha!, "0"])).toEqual({ ok: true });
    expect(ro(["EVALSHA_RO", redgeSha!, "0"])).toEqual({ ok: true });
    const operator = "return 1";
    expect(
      rw(["EVAL", operator, "0"], settings({ knownScripts: new Set([sha1(operator)]) })),
    ).toEqual({
      ok: true,
    });
    expect(rw(["EVAL_RO", "return 1", "0"], settings({ allowScripts: true }))).toEqual({
      ok: true,
      kill: "SCRIPT",
    });
    expect(rw(["FCALL", "f", "0"], settings({ allowScripts: true }))).toEqual({
      ok: true,
      kill: "FUNCTION",
    });
  });

  it("lets a read-only token run redge's read-only scripts (get, size, peek) by EVALSHA", async () => {
    const { sizeScript, pullScript } = await import("../priority/lua.gen.js");
    const s = settings({ readOnlyScripts: readOnlyScriptShas() });
    expect(ro(["EVALSHA", await sizeScript.sha(), "0"], s)).toEqual({ ok: true });
    expect(ro(["EVAL", sizeScript.source, "0"], s)).toEqual({ ok: true });
    expect(ro(["EVALSHA", await pullScript.sha(), "0"], s)).toMatchObject({ status: 403 });
  });

  it("checks every command of a batch; a denial (400) wins over a read-only refusal (403)", () => {
    const s = settings();
    const two = (a: string[], b: string[]) => checkCommands(table, [a, b], s, true);
    expect(two(["GET", "a"], ["GET", "b"])).toEqual({ ok: true });
    const forbidden = two(["GET", "a"], ["SET", "b", "1"]);
    expect(forbidden).toMatchObject({ ok: false, status: 403 });
    expect(forbidden.ok ? "" : forbidden.message).toContain("command 2");
    expect(two(["SET", "b", "1"], ["FLUSHALL"])).toMatchObject({ status: 400 });
  });

  it("names allow entries that can never take effect", () => {
    expect(unallowableReason("BLPOP")).toMatch(/cannot be allowed/);
    expect(unallowableReason("client reply")).toMatch(/cannot be allowed/);
    expect(unallowableReason("FLUSHDB")).toBeUndefined();
    expect(unallowableReason("SCRIPT FLUSH")).toBeUndefined();
  });

  it("lists what a script's ACL user must be barred from: script-callable denied commands and SELECT", () => {
    const names = deniedInScripts(table, allowSet(["KEYS"])).map((spec) => spec.name);
    for (const name of ["flushall", "flushdb", "migrate", "swapdb", "restore", "select", "move"]) {
      expect(names).toContain(name);
    }
    // KEYS is allowed here; CONFIG and SCRIPT FLUSH cannot be called from a script at all.
    expect(names).not.toContain("keys");
    expect(names).not.toContain("config|set");
    expect(names).not.toContain("script|flush");
  });

  it("refuses to derive a policy from a server older than 7.0 (no key specs)", () => {
    const old = [["get", 2, ["readonly", "fast"], 1, 1, 1, ["@read", "@string", "@fast"]]];
    expect(() => parseCommandTable(old, [])).toThrow(/Redis 7\.0 or newer/);
  });
});
