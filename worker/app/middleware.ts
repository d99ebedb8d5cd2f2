/**
 * Middleware anyone can reuse in their own Hono app: `redgeClient(client)` puts the redge client
 * on the context (`c.var.redge`), the dependency-injection story of the app (seed: good-redis
 * providers).
 *
 * @example
 * import { Hono } from "hono";
 * import { redgeClient, type RedgeEnv } from "redge/app";
 *
 * const app = new Hono<RedgeEnv>().use(redgeClient(createClient({ url, token })));
 * app.get("/visits", async (c) => c.json({ n: await c.var.redge.command(["INCR", "visits"]) }));
 */
import { createMiddleware } from "hono/factory";
import type { RedgeClient } from "../../src/index.js";

/** What `redgeClient` adds to the context's variables. */
export interface RedgeVariables {
  redge: RedgeClient;
}

/** A Hono env with the redge client on `c.var.redge`. */
export interface RedgeEnv {
  Variables: RedgeVariables;
}

/**
 * Sets `c.var.redge` to `client` for every request it runs on. The app's own routes read it with
 * `c.get("redge")`: Hono builds a fresh object from its variables on every `c.var` access.
 */
export function redgeClient(client: RedgeClient) {
  return createMiddleware<RedgeEnv>(async (c, next) => {
    c.set("redge", client);
    await next();
  });
}
