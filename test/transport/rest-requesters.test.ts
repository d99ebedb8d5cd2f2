/**
 * The REST transport's two HTTP layers give the same results and the same typed errors:
 * `@upstash/redis` over fetch (what `createClient` uses on the edge) and node:http keep-alive
 * (what `createNodeClient` uses on Node). Real gateway and redis-server; for answers a gateway
 * never gives (silence, non-JSON), a bare HTTP server.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RedgeClient } from "../../src/client.js";
import {
  AbortedError,
  CommandError,
  ConnectionError,
  RedgeError,
  TimeoutError,
} from "../../src/core/errors.js";
import { NodeHttpRequester } from "../../src/transport/node-requester.js";
import { RestPort } from "../../src/transport/rest.js";
import { freePort } from "../helpers/free-port.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";

type Layer = "fetch" | "node:http";

function restClient(layer: Layer, url: string, token: string, commandTimeoutMs = 5_000) {
  const port = new RestPort({
    url,
    token,
    ...(layer === "node:http" ? { requester: new NodeHttpRequester({ url, token }) } : {}),
  });
  return new RedgeClient(port, { commandTimeoutMs, retry: { retries: 0 } });
}

/** An HTTP server that answers every request with `respond` (or never, when it returns null). */
async function bareServer(
  respond: (headers: IncomingHttpHeaders) => { status: number; body: string } | null,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = respond(req.headers);
      if (!answer) return;
      res.writeHead(answer.status, {
        "content-type": "application/json",
        "upstash-sync-token": "7",
      });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

let gateway: RunningGateway;
const runId = Math.random().toString(36).slice(2, 8);

/** The test's own script; the gateway's default policy runs it because it is registered. */
const scriptSource = (layer: string) => `return "${layer}-" .. ARGV[1] .. "-${runId}"`;

beforeAll(async () => {
  gateway = await startGateway({
    redisUrl: inject("redisUrl"),
    scripts: ["fetch", "node:http"].map(scriptSource),
  });
});
afterAll(async () => {
  await gateway.close();
});

describe.each<Layer>(["fetch", "node:http"])("REST transport over %s", (layer) => {
  const key = (name: string) => `test:${runId}:${layer}:${name}`;
  let client: RedgeClient;
  beforeAll(() => {
    client = restClient(layer, gateway.url, gateway.token);
  });
  afterAll(() => client.close());

  it("round-trips strings (unicode included), integers, nil and arrays", async () => {
    await client.command(["DEL", key("list")]);
    expect(await client.command(["SET", key("s"), "héllo ✓ 𝄞"])).toBe("OK");
    expect(await client.command(["GET", key("s")])).toBe("héllo ✓ 𝄞");
    expect(await client.command(["RPUSH", key("list"), "a", "1"])).toBe(2);
    expect(await client.command(["LRANGE", key("list"), 0, -1])).toEqual(["a", "1"]);
    expect(await client.command(["GET", key("missing")])).toBeNull();
  });

  it("pipelines and transactions return one outcome per command, errors in place", async () => {
    const outcomes = await client.pipeline([
      ["SET", key("p"), "x"],
      ["INCR", key("p")],
      ["GET", key("p")],
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: expect.any(CommandError) });
    const tx = await client.transaction([
      ["SET", key("t"), "1"],
      ["INCR", key("t")],
    ]);
    expect(tx).toEqual([
      { ok: true, result: "OK" },
      { ok: true, result: 2 },
    ]);
  });

  it("runs a script by SHA after falling back to EVAL", async () => {
    const script = client.script(scriptSource(layer));
    expect(await client.runScript(script, [], ["a"])).toBe(`${layer}-a-${runId}`);
    expect(await client.runScript(script, [], ["b"])).toBe(`${layer}-b-${runId}`);
  });

  it("turns a Redis error into a CommandError with Redis' message and no request body", async () => {
    await client.command(["SET", key("str"), "secret-value"]);
    const error = await client.command(["HGET", key("str"), "f"]).catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error.message).toMatch(/^WRONGTYPE/);
    expect(error.message).not.toContain("secret-value");
  });

  it("a wrong token is a RedgeError that shows no token", async () => {
    const bad = restClient(layer, gateway.url, "wrong-token-123");
    const error = await bad.command(["PING"]).catch((e) => e);
    await bad.close();
    expect(error).toBeInstanceOf(RedgeError);
    expect(error.message).toMatch(/unauthorized/i);
    expect(error.message).not.toContain("wrong-token-123");
    expect(error.message).not.toContain(gateway.token);
  });

  it("a refused connection is a ConnectionError that certainly did not run", async () => {
    const dead = restClient(layer, `http://127.0.0.1:${await freePort()}`, "t");
    const error = await dead.command(["SET", key("never"), "1"]).catch((e) => e);
    await dead.close();
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.sent).toBe(false);
    expect(await client.command(["EXISTS", key("never")])).toBe(0);
  });

  it("a server that never answers gives a TimeoutError; an abort gives an AbortedError", async () => {
    const { url, server } = await bareServer(() => null);
    const silent = restClient(layer, url, "t", 200);
    try {
      const started = Date.now();
      await expect(silent.command(["PING"])).rejects.toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeLessThan(2_000);
      const controller = new AbortController();
      const pending = silent.command(["PING"], { signal: controller.signal, timeoutMs: 5_000 });
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(AbortedError);
    } finally {
      await silent.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it("a reply that is not JSON is a ConnectionError; the sync token is echoed back", async () => {
    const seen: (string | undefined)[] = [];
    let mode: "text" | "json" = "text";
    const { url, server } = await bareServer((headers) => {
      seen.push(headers["upstash-sync-token"] as string | undefined);
      return mode === "text"
        ? { status: 200, body: "<html>proxy error</html>" }
        : { status: 200, body: '{"result":"PONG"}' };
    });
    const odd = restClient(layer, url, "t");
    try {
      await expect(odd.command(["PING"])).rejects.toBeInstanceOf(ConnectionError);
      mode = "json";
      expect(await odd.command(["PING"])).toBe("PONG");
      expect(await odd.command(["PING"])).toBe("PONG");
      // The second JSON request carries the token the first one was given.
      expect(seen.at(-1)).toBe("7");
    } finally {
      await odd.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
