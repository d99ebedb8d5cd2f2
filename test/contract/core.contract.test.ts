/**
 * Contract: the command port's behaviour, identical over TCP and REST.
 */
import { Redis as IORedis } from "ioredis";
import { expect, inject, it } from "vitest";
import { CommandError, type RedgeClient, ValidationError } from "../../src/index.js";
import { contractScript, describeTransports } from "./transports.js";

describeTransports("command port", (t) => {
  it("await using closes the client when its block is left, by return or by throw", async () => {
    // A TCP client names its connection, so the server can tell whether the socket is gone.
    const name = `dispose-${Math.random().toString(36).slice(2, 10)}`;
    const connected = async () =>
      String(await t.client.command(["CLIENT", "LIST"])).includes(`name=${name}`);
    let kept: RedgeClient | undefined;
    {
      await using client = t.makeClient();
      kept = client;
      expect(await client.command(["PING"])).toBe("PONG");
      if (t.transport === "tcp") {
        await client.command(["CLIENT", "SETNAME", name]);
        expect(await connected()).toBe(true);
      }
    }
    await expect(kept.command(["PING"])).rejects.toThrow(/closed/);
    if (t.transport === "tcp") expect(await connected()).toBe(false);

    const thrown = await (async () => {
      await using client = t.makeClient();
      kept = client;
      await client.command(["PING"]);
      throw new Error("left by throw");
    })().catch((e: unknown) => e);
    expect((thrown as Error).message).toBe("left by throw");
    await expect(kept.command(["PING"])).rejects.toThrow(/closed/);
    expect(typeof kept[Symbol.asyncDispose]).toBe("function");
  });

  it("round-trips strings, integers, nil and nested arrays", async () => {
    const k = t.key("basic");
    expect(await t.client.command(["SET", k, "héllo 🌍 世界"])).toBe("OK");
    expect(await t.client.command(["GET", k])).toBe("héllo 🌍 世界");
    expect(await t.client.command(["GET", t.key("missing")])).toBeNull();
    expect(await t.client.command(["INCRBY", t.key("n"), 41])).toBe(41);
    await t.client.command(["RPUSH", t.key("list"), "a", "b", "c"]);
    expect(await t.client.command(["LRANGE", t.key("list"), 0, -1])).toEqual(["a", "b", "c"]);
    const id = await t.client.command(["XADD", t.key("stream"), "*", "f", "v"]);
    const entries = await t.client.command(["XRANGE", t.key("stream"), "-", "+"]);
    expect(entries).toEqual([[id, ["f", "v"]]]);
  });

  it("answers HGETALL as Redis does however the name is spelled (ioredis rewrites `hgetall`)", async () => {
    const k = t.key("hgetall");
    await t.client.command(["HSET", k, "a", "1", "b", "2"]);
    for (const name of ["HGETALL", "hgetall", "HGetAll"]) {
      expect(await t.client.command([name, k])).toEqual(["a", "1", "b", "2"]);
      const [outcome] = await t.client.pipeline([[name, k]]);
      expect(outcome).toEqual({ ok: true, result: ["a", "1", "b", "2"] });
      const [inMulti] = await t.client.transaction([[name, k]]);
      expect(inMulti).toEqual({ ok: true, result: ["a", "1", "b", "2"] });
    }
  });

  it("keeps strings that look like numbers, JSON, base64 or OK as strings", async () => {
    const values = ["42", "1e3", '{"a":1}', "T0s=", "OK", "", " ", "null", "true"];
    for (const [i, value] of values.entries()) {
      await t.client.command(["SET", t.key(`str:${i}`), value]);
      expect(await t.client.command(["GET", t.key(`str:${i}`)])).toBe(value);
    }
  });

  it("rejects a Redis error reply with a CommandError carrying Redis' message", async () => {
    const k = t.key("wrongtype");
    await t.client.command(["SET", k, "x"]);
    const error = await t.client.command(["LPUSH", k, "y"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).prefix).toBe("WRONGTYPE");
    expect((error as CommandError).message).toMatch(/^WRONGTYPE Operation against a key/);
  });

  it("does not retry command errors", async () => {
    const retries: number[] = [];
    const client = t.makeClient({ onRetry: (_e, attempt) => retries.push(attempt) });
    const k = t.key("noretry");
    await client.command(["SET", k, "x"]);
    await expect(
      client.command(["HSET", k, "f", "v"], { retry: { retries: 3 } }),
    ).rejects.toBeInstanceOf(CommandError);
    expect(retries).toEqual([]);
  });

  it("validates commands before sending anything", async () => {
    const k = t.key("validated");
    await expect(t.client.command([] as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(t.client.command(["SET", k, Number.NaN])).rejects.toThrow(/command\.2/);
    await expect(t.client.command(["SET", k, { a: 1 } as never])).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(t.client.pipeline([["SET", k, "1"], [""] as never])).rejects.toThrow(
      /commands\.1\.0/,
    );
    expect(await t.client.command(["EXISTS", k])).toBe(0);
  });

  it("pipelines return one outcome per command, in order, errors included", async () => {
    const k = t.key("pipe");
    const outcomes = await t.client.pipeline([
      ["SET", k, "v"],
      ["INCR", k],
      ["GET", k],
      ["DEL", k],
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true]);
    expect(outcomes[0]).toEqual({ ok: true, result: "OK" });
    expect(outcomes[2]).toEqual({ ok: true, result: "v" });
    const failed = outcomes[1]!;
    expect(failed.ok === false && failed.error).toBeInstanceOf(CommandError);
    expect(failed.ok === false && failed.error.message).toMatch(/not an integer/);
    expect(await t.client.pipeline([])).toEqual([]);
  });

  it("runs a 1000-command pipeline", async () => {
    const k = t.key("pipe1000");
    const commands = Array.from({ length: 1000 }, () => ["INCR", k] as const);
    const outcomes = await t.client.pipeline(commands);
    expect(outcomes).toHaveLength(1000);
    expect(outcomes.at(-1)).toEqual({ ok: true, result: 1000 });
  });

  it("transactions are atomic and abort as a whole on a queuing error", async () => {
    const k = t.key("tx");
    const outcomes = await t.client.transaction([
      ["SET", k, "1"],
      ["INCR", k],
      ["LPUSH", k, "x"],
      ["GET", k],
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
    expect(outcomes[3]).toEqual({ ok: true, result: "2" });

    const k2 = t.key("tx-abort");
    await expect(
      t.client.transaction([
        ["SET", k2, "1"],
        ["NOSUCHCOMMAND", k2],
      ]),
    ).rejects.toBeInstanceOf(CommandError);
    expect(await t.client.command(["EXISTS", k2])).toBe(0);
  });

  it("concurrent transactions never interleave", async () => {
    const k = t.key("tx-concurrent");
    const clients = [t.makeClient(), t.makeClient(), t.makeClient()];
    const runs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        clients[i % 3]!.transaction([
          ["INCR", k],
          ["INCR", k],
          ["INCR", k],
        ]),
      ),
    );
    for (const outcomes of runs) {
      const values = outcomes.map((o) => (o.ok ? o.result : null)) as number[];
      expect(values[1]).toBe(values[0]! + 1);
      expect(values[2]).toBe(values[0]! + 2);
    }
    expect(await t.client.command(["GET", k])).toBe("90");
  });

  it("runs scripts by SHA and falls back to EVAL on NOSCRIPT", async () => {
    const k = t.key("script");
    // A source unique to this run, so the server cannot know it yet (the REST gateway was told
    // about it, as an operator registers an application's scripts).
    const script = t.client.script(contractScript(t.name));
    const sha = await script.sha();
    const direct = new IORedis(inject("redisUrl"));
    try {
      expect(await direct.script("EXISTS", sha)).toEqual([0]);
      expect(await t.client.runScript(script, [k], [5])).toBe(5);
      expect(await direct.script("EXISTS", sha)).toEqual([1]);
      expect(await t.client.runScript(script, [k], [2])).toBe(7);
    } finally {
      direct.disconnect();
    }
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it("reports health without throwing", async () => {
    const report = await t.client.health();
    expect(report.ok).toBe(true);
    expect(report.latencyMs).toBeGreaterThanOrEqual(0);
    expect(report.error).toBeUndefined();
  });

  it("stops waiting when the caller aborts", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      t.client.command(["GET", t.key("aborted")], { signal: controller.signal }),
    ).rejects.toMatchObject({ code: "aborted" });
  });

  it("uses the key prefix for capability keys", () => {
    const client = t.makeClient({ keyPrefix: "app:" });
    expect(client.key("ps:{q}:items")).toBe("app:ps:{q}:items");
    expect(client.transport).toBe(t.name);
  });
});
