/**
 * Cloudflare Workers entry (`main` in wrangler.toml). Reaches Redis over REST: set
 * `UPSTASH_REDIS_REST_URL` as a var and `UPSTASH_REDIS_REST_TOKEN` and `REDGE_TOKENS` (optionally
 * `REDGE_READ_TOKENS`) as secrets with `wrangler secret put`.
 */
import type { ExecutionContext } from "hono";
import { configErrorResponse, type EdgeApp, edgeAppFromEnv } from "../edge-app.js";

/**
 * One app (and one REST client) per isolate and env: an isolate serves many requests, and the
 * client is worth keeping (its script SHA cache, its keep-alive). Keyed by the env object, which
 * workerd keeps for the isolate's life, so a new deployment with new secrets gets a new app.
 * A misconfigured env is not cached: it costs nothing to re-check, and is fixed by a redeploy.
 */
const apps = new WeakMap<object, EdgeApp>();

function appFor(env: Record<string, unknown>): EdgeApp {
  let app = apps.get(env);
  if (!app) {
    app = edgeAppFromEnv(env);
    apps.set(env, app);
  }
  return app;
}

export default {
  async fetch(
    request: Request,
    env: Record<string, unknown>,
    ctx: ExecutionContext,
  ): Promise<Response> {
    let app: EdgeApp;
    try {
      app = appFor(env);
    } catch (error) {
      return configErrorResponse(error);
    }
    return app.fetch(request, env, ctx);
  },
};
