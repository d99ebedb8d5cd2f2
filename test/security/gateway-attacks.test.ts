/**
 * The attacks of the gateway security review, each tried as an attacker would against a default
 * gateway (with a read-only token configured) and, where it matters, against one with
 * `allowScripts` and the ACL user the gateway asks for. Every one must fail, and Redis' own write
 * counter (test/helpers/dirty.ts) shows that a refused request wrote nothing.
 */
import { createHash, randomUUID } from "node:crypto";
import { connect } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScriptUser } from "../helpers/acl.js";
import { writeCount } from "../helpers/dirty.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";
import { type RunningRedis, startRedisServer } from "../helpers/redis-server.js";

const READ_TOKEN = `ro-${randomUUID()}`;

let redis: RunningRedis;
let direct: Redis;
let gateway: RunningGateway;
let scripted: RunningGateway;

beforeAll(async () => {
  // Its own server: the write counter must see this file's requests only. A short busy
  // threshold lets SCRIPT KILL reach a runaway script quickly.
  redis = await startRedisServer({ args: ["--busy-reply-threshold", "100"] });
  direct = new Redis(redis.url);
  gateway = await startGateway({ redisUrl: redis.url, readOnlyTokens: [READ_TOKEN] });
  scripted = await startGateway({
    redisUrl: await createScriptUser(redis.url),
    readOnlyTokens: [READ_TOKEN],
    allowScripts: true,
    scriptTimeoutMs: 300,
  });
  await direct.set("precious", "still here");
});
afterAll(async () => {
  direct?.disconnect();
  await gateway?.close();
  await scripted?.close();
  await redis?.stop();
});

interface Answer {
  status: number;
  error?: string;
  result?: unknown;
  headers: Headers;
}

async function send(
  target: RunningGateway,
  path: string,
  body: unknown,
  token = target.token,
): Promise<Answer> {
  const response = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body:
      typeof body === "string" || body instanceof Uint8Array
        ? (body as BodyInit)
        : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const json = (await response.json()) as { error?: string; result?: unknown };
  return { status: response.status, headers: response.headers, ...json };
}

/** Sends `attempt` and checks that Redis saw no write while it ran. */
async function writesNothing(attempt: () => Promise<unknown>): Promise<void> {
  const before = await writeCount(direct);
  await attempt();
  expect(await writeCount(direct)).toBe(before);
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/** Denied commands an attacker reached from Lua, with arguments that would work. */
const REACHED_FROM_LUA: string[][] = [
  ["FLUSHALL"],
  ["FLUSHDB"],
  ["KEYS", "*"],
  ["MIGRATE", "127.0.0.1", "1", "precious", "0", "100"],
  ["SWAPDB", "0", "1"],
  ["SLOWLOG", "GET"],
  ["PFDEBUG", "GETREG", "hll"],
  ["PFSELFTEST"],
  ["SELECT", "1"],
];
const lua = (command: string[]) =>
  `return redis.call(${command.map((word) => `'${word}'`).join(", ")})`;

describe("1. Lua cannot reach denied commands", () => {
  it.each(REACHED_FROM_LUA)(
    "%s: refused via EVAL, SCRIPT LOAD + EVALSHA and FUNCTION LOAD + FCALL",
    async (...command) => {
      const source = lua(command);
      const library = `#!lua name=evil${command[0]}\nredis.register_function('f', function() ${source} end)`;
      await writesNothing(async () => {
        for (const attempt of [
          ["EVAL", source, "0"],
          ["SCRIPT", "LOAD", source],
          ["EVALSHA", sha1(source), "0"],
          ["FUNCTION", "LOAD", library],
          ["FCALL", "f", "0"],
        ]) {
          const answer = await send(gateway, "/", attempt);
          expect(answer.status, attempt[0]).toBe(403);
          expect(answer.error).toMatch(/--allow-scripts/);
        }
      });
      expect(await direct.call("FUNCTION", "LIST")).toEqual([]);
      expect(await direct.get("precious")).toBe("still here");
    },
  );

  it.each(REACHED_FROM_LUA)(
    "%s: with allowScripts, Redis' ACL stops the script's call",
    async (...command) => {
      const answer = await send(scripted, "/", ["EVAL", lua(command), "0"]);
      expect(answer.status).toBe(400);
      expect(answer.error).toMatch(/can't run this command/);
      expect(await direct.get("precious")).toBe("still here");
    },
  );

  it("with allowScripts, functions are confined the same way", async () => {
    const library =
      "#!lua name=evil\nredis.register_function('wipe', function() return redis.call('FLUSHALL') end)";
    expect((await send(scripted, "/", ["FUNCTION", "LOAD", library])).result).toBe("evil");
    try {
      const answer = await send(scripted, "/", ["FCALL", "wipe", "0"]);
      expect(answer.status).toBe(400);
      expect(answer.error).toMatch(/can't run this command/);
      expect(await direct.get("precious")).toBe("still here");
    } finally {
      await direct.call("FUNCTION", "DELETE", "evil");
    }
  });

  it("FUNCTION FLUSH, RESTORE and KILL and SCRIPT FLUSH and KILL stay denied either way", async () => {
    for (const target of [gateway, scripted]) {
      for (const command of [
        ["FUNCTION", "FLUSH"],
        ["FUNCTION", "RESTORE", "x"],
        ["FUNCTION", "KILL"],
        ["SCRIPT", "FLUSH"],
        ["SCRIPT", "KILL"],
      ]) {
        const answer = await send(target, "/", command);
        expect(answer.status, command.join(" ")).toBe(400);
        expect(answer.error).toMatch(/disabled/);
      }
    }
  });

  it("redge's own scripts still run by SHA, and by EVAL after NOSCRIPT", async () => {
    const { sizeScript } = await import("../../src/priority/lua.gen.js");
    const keys = Array.from({ length: sizeScript.keys ?? 0 }, (_, i) => `ps:{own}:${i}`);
    const count = String(keys.length);
    const bySha = await send(gateway, "/", ["EVALSHA", await sizeScript.sha(), count, ...keys]);
    const byEval = await send(gateway, "/", ["EVAL", sizeScript.source, count, ...keys]);
    expect(bySha.status === 200 || /^NOSCRIPT/.test(bySha.error ?? "")).toBe(true);
    expect(byEval).toMatchObject({ status: 200, result: [0, 0] });
  });
});

describe("2. RESTORE is denied", () => {
  it("refuses RESTORE with a crafted payload and writes nothing", async () => {
    await direct.hset("victim", "f", "v");
    const payload = (await direct.dumpBuffer("victim"))!;
    // One corrupted length byte: with sanitize-dump-payload no, Redis would accept it.
    payload[3] = 0xff;
    await writesNothing(async () => {
      const answer = await send(gateway, "/", [
        "RESTORE",
        "crafted",
        "0",
        payload.toString("latin1"),
      ]);
      expect(answer.status).toBe(400);
      expect(answer.error).toMatch(/RESTORE is disabled/);
    });
    expect(await direct.exists("crafted")).toBe(0);
  });

  it("warns at start when RESTORE is allowed and Redis does not sanitize payloads", async () => {
    const lines: string[] = [];
    const allowing = await startGateway({
      redisUrl: redis.url,
      allow: ["RESTORE"],
      log: (l) => lines.push(l),
    });
    try {
      await allowing.gateway.ready();
      expect(lines.join("\n")).toMatch(/sanitize-dump-payload no/);
    } finally {
      await allowing.close();
    }
  });
});

describe("3. no request can block the shared connection", () => {
  it.each([
    ["XREADGROUP", "GROUP", "STREAMS", "c", "BLOCK", "0", "STREAMS", "bs", ">"],
    ["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "bs", "$"],
    ["BLPOP", "q", "0"],
    ["WAIT", "1", "0"],
  ])("refuses %s in /, /pipeline and /multi-exec, and keeps serving", async (...command) => {
    for (const [path, body] of [
      ["/", command],
      ["/pipeline", [["PING"], command]],
      ["/multi-exec", [["PING"], command]],
    ] as const) {
      const answer = await send(gateway, path, body);
      expect(answer.status, path).toBe(400);
      expect(answer.error).toMatch(/not supported/);
    }
    expect(await send(gateway, "/", ["GET", "precious"])).toMatchObject({
      status: 200,
      result: "still here",
    });
  });
});

describe("4. scripts cannot freeze Redis or read what the policy denies", () => {
  it("refuses EVAL_RO of unknown code to a read-only token on a default gateway", async () => {
    for (const source of ["while true do end", "return redis.call('KEYS', '*')"]) {
      const answer = await send(gateway, "/", ["EVAL_RO", source, "0"], READ_TOKEN);
      expect(answer.status).toBe(403);
    }
  });

  it("stops a runaway read-only script after its budget (SCRIPT KILL), and Redis answers again", async () => {
    const started = Date.now();
    const answer = await send(scripted, "/", ["EVAL_RO", "while true do end", "0"], READ_TOKEN);
    expect(answer.status).toBe(400);
    expect(answer.error).toMatch(/budget of 300 ms and was stopped with SCRIPT KILL/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await direct.ping()).toBe("PONG");
  });

  it("with allowScripts, a read-only script still cannot run KEYS (the ACL user lacks it)", async () => {
    const answer = await send(
      scripted,
      "/",
      ["EVAL_RO", "return redis.call('KEYS', '*')", "0"],
      READ_TOKEN,
    );
    expect(answer.status).toBe(400);
    expect(answer.error).toMatch(/can't run this command/);
  });

  it("read-only tokens cannot run EVAL or FCALL, even with allowScripts (Upstash answers NOPERM)", async () => {
    for (const command of [
      ["EVAL", "return 1", "0"],
      ["FCALL", "f", "0"],
    ]) {
      const answer = await send(scripted, "/", command, READ_TOKEN);
      expect(answer.status).toBe(403);
      expect(answer.error).toMatch(/^NOPERM/);
    }
  });
});

describe("5. read-only tokens write nothing", () => {
  it("refuses PFCOUNT (it rewrites the HyperLogLog's cached count)", async () => {
    await direct.pfadd("hll", "a", "b", "c");
    await writesNothing(async () => {
      const answer = await send(gateway, "/", ["PFCOUNT", "hll"], READ_TOKEN);
      expect(answer.status).toBe(403);
    });
  });
});

describe("7. out of memory is the server's state, not the caller's fault", () => {
  it("answers 507 naming the cause", async () => {
    // Any dataset is over a 1-byte limit: every write that may grow memory is refused.
    const full = await startRedisServer({
      args: ["--maxmemory", "1", "--maxmemory-policy", "noeviction"],
    });
    const fullGateway = await startGateway({ redisUrl: full.url });
    try {
      const answer = await send(fullGateway, "/", ["SET", "one-more", "value"]);
      expect(answer.status).toBe(507);
      expect(answer.error).toMatch(/^OOM .*maxmemory/);
    } finally {
      await fullGateway.close();
      await full.stop();
    }
  });
});

describe("8. smaller holes", () => {
  it("refuses lone surrogates instead of merging them into U+FFFD", async () => {
    for (const id of ["\ud800", "\udfff"]) {
      await writesNothing(async () => {
        const answer = await send(gateway, "/", ["HSET", "ids", id, "x"]);
        expect(answer.status).toBe(400);
        expect(answer.error).toMatch(/lone surrogate/);
      });
    }
    expect((await send(gateway, "/", ["HSET", "ids", "\ufffd", "x"])).result).toBe(1);
    expect(await direct.hkeys("ids")).toEqual(["\ufffd"]);
  });

  it("refuses a body that is not UTF-8", async () => {
    const bytes = new Uint8Array([
      ...Buffer.from('["SET","k","'),
      0xff,
      0xfe,
      ...Buffer.from('"]'),
    ]);
    await writesNothing(async () => {
      const answer = await send(gateway, "/", bytes);
      expect(answer.status).toBe(400);
      expect(answer.error).toMatch(/not valid UTF-8/);
    });
  });

  it("sends the sync token only to authenticated callers", async () => {
    const anonymous = await fetch(`${gateway.url}/`, { method: "POST", body: '["PING"]' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("upstash-sync-token")).toBeNull();
    expect((await send(gateway, "/", ["PING"])).headers.get("upstash-sync-token")).toMatch(/^\d+$/);
  });

  it("caps the bytes of unfinished uploads held at once, and gives them back when they go away", async () => {
    const { createGateway } = await import("../../src/gateway/index.js");
    const token = `cap-${randomUUID()}`;
    // Room for two unfinished 600 kB uploads, not three.
    const small = createGateway({
      redis: redis.url,
      tokens: [token],
      maxBodyBytes: 1_000_000,
      maxBufferedBytes: 1_300_000,
      shutdownTimeoutMs: 500,
    });
    const listener = await small.listen({ host: "127.0.0.1", port: 0 });
    const sockets: ReturnType<typeof connect>[] = [];
    try {
      // Whichever of the three the gateway reads last is refused: the first answer is a 503.
      const firstAnswer = new Promise<string>((resolve) => {
        for (let i = 0; i < 3; i++) {
          const socket = connect(listener.port, "127.0.0.1");
          sockets.push(socket);
          let text = "";
          socket.on("data", (d) => {
            text += String(d);
            if (text.includes("\r\n\r\n")) resolve(text);
          });
          socket.once("connect", () => {
            socket.write(
              `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 900000\r\n\r\n`,
            );
            socket.write(Buffer.alloc(600_000, 0x20));
          });
        }
      });
      const reply = await firstAnswer;
      expect(reply).toMatch(/^HTTP\/1\.1 503/);
      expect(reply).toMatch(/connection: close/i);
      for (const socket of sockets) socket.destroy();
      // Once those clients are gone their bytes are free again (the close is seen promptly).
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        const response = await fetch(`${listener.url}/`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify(["SET", "after", "x".repeat(500_000)]),
        });
        status = response.status;
        await response.arrayBuffer();
        if (status !== 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
      await small.close();
    }
  });

  it("closes a connection whose request does not arrive within the request timeout", async () => {
    const { createGateway } = await import("../../src/gateway/index.js");
    const slow = createGateway({
      redis: redis.url,
      tokens: ["t"],
      requestTimeoutMs: 300,
      shutdownTimeoutMs: 500,
    });
    const listener = await slow.listen({ host: "127.0.0.1", port: 0 });
    try {
      const socket = connect(listener.port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: 100\r\n\r\n[",
      );
      const closed = await new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (d) => {
          text += String(d);
        });
        socket.once("close", () => resolve(text));
      });
      // Node answers 408 (or just closes) once the timeout passes; the upload is not held.
      expect(closed === "" || /^HTTP\/1\.1 408/.test(closed)).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
