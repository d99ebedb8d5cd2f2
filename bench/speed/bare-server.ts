/**
 * The bare ceiling of an HTTP path on this machine: the same Redis work as the redge server it
 * stands beside, on the same framework as that row's reference, and nothing else (no auth, no
 * validation, no body limits, no error mapping). The speed table prints redge against it next to
 * the reference: redge / bare is the cost of redge's own layers, bare / reference the
 * cost of the Redis round trip (client and server) on two shared cores.
 *
 *   tsx bench/speed/bare-server.ts <gateway|cache|peek> <redisUrl> <port>
 *     gateway  node:http (as the trivial node:http server): POST / with a JSON command array →
 *              ioredis `call` → {"result": reply}
 *     cache    Hono on @hono/node-server (as the trivial Hono app): any request → the redge TCP
 *              client's cache.get("hit", namespace "bench") → {value}
 *     peek     the same Hono app: the JSON body read, then the redge TCP client's
 *              priority("peek").pull({ count: 1, purge: false }) → {items}
 */
import { createServer, type IncomingMessage } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { createNodeClient } from "../../src/node.js";

const [mode, redisUrl, port] = process.argv.slice(2);
if (!mode || !redisUrl || !port) throw new Error("usage: bare-server.ts <mode> <redisUrl> <port>");

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

if (mode === "gateway") {
  const io = new Redis(redisUrl, { enableAutoPipelining: true });
  createServer((req, res) => {
    bodyOf(req)
      .then(async (text) => {
        const [command, ...args] = JSON.parse(text) as string[];
        return { result: await io.call(command!, ...args) };
      })
      .then(
        (reply) => {
          const body = Buffer.from(JSON.stringify(reply));
          res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(500).end(String(error));
        },
      );
  }).listen(Number(port), "127.0.0.1");
} else if (mode === "cache" || mode === "peek") {
  const client = createNodeClient({ url: redisUrl });
  const app = new Hono();
  app.get("*", async (c) =>
    c.json({ value: await client.cache.get("hit", { namespace: "bench" }) }),
  );
  app.post("*", async (c) => {
    await c.req.json();
    return c.json({ items: await client.priority("peek").pull({ count: 1, purge: false }) });
  });
  serve({ fetch: app.fetch, port: Number(port), hostname: "127.0.0.1" });
} else {
  throw new Error(`unknown mode ${mode}`);
}
