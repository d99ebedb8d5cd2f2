/**
 * REST auto-pipelining (src/transport/rest-batcher.ts), through the project's gateway, on both
 * HTTP layers (the edge client over fetch and the Node client over node:http): commands issued
 * together share one HTTP request, and each keeps its own outcome, verdict and deadline.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CommandError, createClient, type RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";

const READ_TOKEN = `ro-${Math.random().toString(36).slice(2)}`;
let gateway: RunningGateway;
const run = Math.random().toString(36).slice(2, 8);
const key = (name: string) => `autopipe:${run}:${name}`;

// Counted where the gateway receives them, whichever HTTP layer the client uses.
let requests = 0;
const onRequest = () => {
  requests++;
};

beforeAll(async () => {
  gateway = await startGateway({ redisUrl: inject("redisUrl"), readOnlyTokens: [READ_TOKEN] });
  subscribe("http.server.request.start", onRequest);
});
afterAll(async () => {
  unsubscribe("http.server.request.start", onRequest);
  await gateway?.close();
});

const layers: Record<string, (token: string) => RedgeClient> = {
  "edge (fetch)": (token) => createClient({ url: gateway.url, token }),
  "node (node:http)": (token) => createNodeClient({ url: gateway.url, token }),
};

for (const [layer, make] of Object.entries(layers)) {
  describe(`REST auto-pipelining [${layer}]`, () => {
    it("sends commands issued together as one request, each with its own result", async () => {
      const client = make(gateway.token);
      try {
        await client.command(["PING"]);
        requests = 0;
        const replies = await Promise.all(
          Array.from({ length: 50 }, (_, i) => client.command(["INCRBY", key(`n-${layer}`), i])),
        );
        expect(requests).toBe(1);
        // Run in the order issued: the running totals come back in order.
        let total = 0;
        expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => (total += i)));
        // A command alone goes out alone.
        requests = 0;
        expect(await client.command(["GET", key(`n-${layer}`)])).toBe(String(total));
        expect(requests).toBe(1);
      } finally {
        await client.close();
      }
    });

    it("rejects only the command whose reply is an error", async () => {
      const client = make(gateway.token);
      try {
        await client.command(["SET", key(`str-${layer}`), "text"]);
        const [ok, wrong, also] = await Promise.allSettled([
          client.command(["GET", key(`str-${layer}`)]),
          client.command(["HGET", key(`str-${layer}`), "f"]),
          client.command(["STRLEN", key(`str-${layer}`)]),
        ]);
        expect(ok).toEqual({ status: "fulfilled", value: "text" });
        expect(wrong.status).toBe("rejected");
        expect((wrong as PromiseRejectedResult).reason).toBeInstanceOf(CommandError);
        expect((wrong as PromiseRejectedResult).reason.message).toMatch(/^WRONGTYPE/);
        expect(also).toEqual({ status: "fulfilled", value: 4 });
      } finally {
        await client.close();
      }
    });

    it("gives each command its own verdict when the gateway refuses one of them", async () => {
      const reader = make(READ_TOKEN);
      const writer = make(gateway.token);
      try {
        await writer.command(["SET", key(`ro-${layer}`), "v"]);
        const [read, write, denied] = await Promise.allSettled([
          reader.command(["GET", key(`ro-${layer}`)]),
          reader.command(["SET", key(`ro-${layer}`), "w"]),
          reader.command(["FLUSHALL"]),
        ]);
        expect(read).toEqual({ status: "fulfilled", value: "v" });
        expect((write as PromiseRejectedResult).reason.message).toMatch(/^NOPERM/);
        expect((denied as PromiseRejectedResult).reason.message).toMatch(/FLUSHALL is disabled/);
        expect(await writer.command(["GET", key(`ro-${layer}`)])).toBe("v");
      } finally {
        await Promise.all([reader.close(), writer.close()]);
      }
    });

    it("lets one command stop waiting without cutting the others short", async () => {
      const client = make(gateway.token);
      try {
        const controller = new AbortController();
        const aborted = client.command(["GET", key(`a-${layer}`)], { signal: controller.signal });
        const kept = client.command(["SET", key(`a-${layer}`), "kept"]);
        controller.abort();
        await expect(aborted).rejects.toMatchObject({ code: "aborted" });
        expect(await kept).toBe("OK");
        expect(await client.command(["GET", key(`a-${layer}`)])).toBe("kept");
      } finally {
        await client.close();
      }
    });
  });
}
