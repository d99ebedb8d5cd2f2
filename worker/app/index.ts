/**
 * The redge edge app: cache, subject, priority-queue, stream and pub/sub endpoints over one redge client,
 * with bearer auth, zod validation and an OpenAPI document. Web standards only, so the same app
 * runs on Cloudflare Workers, Vercel Edge and Node (see worker/adapter/cloudflare/index.ts, vercel.ts, node.ts).
 *
 * @example
 * const app = createApp({ client: createClient({ url, token }), tokens: ["s3cret"] });
 * export default app; // Workers: app.fetch
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { createByteBudget } from "../../src/web/byte-budget.js";
import { bearerAuth } from "./auth.js";
import { bodyLimit } from "./body-limit.js";
import type { App, AppEnv } from "./env.js";
import { badRequest, errorResponse, toApiError, zodDetails } from "./errors.js";
import { redgeClient } from "./middleware.js";
import { notFoundHandler } from "./not-found.js";
import { type AppOptions, resolveAppOptions } from "./options.js";
import { cacheRoutes } from "./routes/cache.js";
import { channelRoutes } from "./routes/channels.js";
import { docsRoutes } from "./routes/docs.js";
import { healthRoutes } from "./routes/health.js";
import { queueJobRoutes } from "./routes/queue-jobs.js";
import { queueRoutes } from "./routes/queues.js";
import { ratelimitRoutes } from "./routes/ratelimit.js";
import { streamRoutes } from "./routes/streams.js";
import { subjectRoutes } from "./routes/subjects.js";

export type { Access, AuthVariables } from "./auth.js";
export { bearerToken, PUBLIC_PATHS } from "./auth.js";
export type { App, AppEnv } from "./env.js";
export type { ErrorBody, ErrorCode, ErrorDetail } from "./errors.js";
export { ApiError, RETRY_AFTER_SECONDS } from "./errors.js";
export type { RedgeEnv, RedgeVariables } from "./middleware.js";
export { redgeClient } from "./middleware.js";
export type { AppOptions, CorsOptions } from "./options.js";
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EVENT_STREAMS } from "./options.js";
export type { DocsAssets } from "./routes/docs.js";
export { docsAssetPaths, SWAGGER_UI_VERSION } from "./routes/docs.js";

/**
 * Builds the app. Throws a ConfigError (naming the option, never a token's value) when an option
 * is bad, e.g. no tokens.
 */
export function createApp(options: AppOptions): App {
  const o = resolveAppOptions(options);
  const app: App = new OpenAPIHono<AppEnv>({
    // A zod failure on params or body: 400 naming each bad field. Runs before the handler, so a
    // rejected request reaches Redis with nothing.
    defaultHook: (result, c) => {
      if (!result.success) return errorResponse(c, badRequest(zodDetails(result.error.issues)));
    },
  });

  // CORS first, so preflights (OPTIONS, no token) are answered before auth.
  if (o.cors) app.use("*", cors(o.cors));
  app.use("*", redgeClient(o.client));
  // Auth before the body limit: an unauthenticated caller cannot make the app buffer a body.
  app.use("*", bearerAuth(o.tokens, o.readOnlyTokens));
  app.use("*", bodyLimit(o.maxBodyBytes, createByteBudget(o.maxBufferedBytes)));

  healthRoutes(app);
  cacheRoutes(app);
  subjectRoutes(app);
  queueRoutes(app);
  queueJobRoutes(app);
  ratelimitRoutes(app);
  streamRoutes(app);
  channelRoutes(app, o.maxEventStreams);
  docsRoutes(app, o.docsAssets);

  app.notFound(notFoundHandler(app));
  app.onError((error, c) => {
    const answer = toApiError(error);
    if (answer.status >= 500) o.onError?.(error);
    return errorResponse(c, answer);
  });
  return app;
}
