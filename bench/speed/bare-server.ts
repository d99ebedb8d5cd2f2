/**
 * The bare ceiling of an HTTP path on this machine: node:http doing the same Redis work as the
 * redge server it stands beside, and nothing else (no Hono, no auth, no validation, no limits).
 * The speed table prints redge against it next to the reference, to show how much of a
 * gap is HTTP + Redis on two shared cores and how much is redge's own layers.
 *
 *   tsx bench/speed/bare-server.ts <gateway|cache|peek> <redisUrl> <port>
 *     gateway  POST / with a JSON command array → ioredis `call` → {"result": reply}
 *     cache    any request → the redge TCP client's cache.get("hit", namespace "bench") → {value}
 *     peek     any request → the redge TCP client's priority("peek").pull({ count: 1, purge: false })
 */
import { createServer, type IncomingMessage } from "node:http";
import { Redis } from "ioredis";
import { createNodeClient } from "../../src/node.js";

const [mode, redisUrl, port] = process.argv.slice(2);
if (!mode || !redisUrl || !port) throw new Error("usage: bare-server.ts <mode> <redisUrl> <port>");

const io = new Redis(redisUrl, { enableAutoPipelining: true });
const client = createNodeClient({ url: redisUrl });

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const answers: Record<string, (req: IncomingMessage) => Promise<unknown>> = {
  gateway: async (req) => {
    const [command, ...args] = JSON.parse(await bodyOf(req)) as string[];
    return { result: await io.call(command!, ...args) };
  },
  cache: async (req) => {
    req.resume();
    return { value: await client.cache.get("hit", { namespace: "bench" }) };
  },
  peek: async (req) => {
    await bodyOf(req);
    return { items: await client.priority("peek").pull({ count: 1, purge: false }) };
  },
};
const answer = answers[mode];
if (!answer) throw new Error(`unknown mode ${mode}`);

createServer((req, res) => {
  answer(req).then(
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
