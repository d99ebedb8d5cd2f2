/**
 * The rate limiter over HTTP (src/ratelimit): one call takes `cost` units for an identifier under
 * a prefix, exactly as `client.ratelimit({ limit, windowMs, algorithm, prefix }).limit(...)`.
 * Taking units writes, so it needs a read-write token; a check (`cost: 0`) writes nothing and a
 * read-only token may make it.
 */
import { createRoute } from "@hono/zod-openapi";
import { assertCanWrite } from "../auth.js";
import type { App } from "../env.js";
import { bearerSecurity, errorResponses, json, jsonBody } from "../schemas/common.js";
import { limitBodySchema, limitResultSchema, ratelimitParamsSchema } from "../schemas/ratelimit.js";

const limit = createRoute({
  method: "post",
  path: "/ratelimit/{prefix}/{identifier}",
  tags: ["ratelimit"],
  security: bearerSecurity,
  summary: "Take cost units for an identifier if the limit allows (cost 0: only check)",
  request: { params: ratelimitParamsSchema, body: jsonBody(limitBodySchema) },
  responses: {
    200: json(limitResultSchema, "Whether it may go ahead; 200 also when it may not"),
    ...errorResponses,
  },
});

export function ratelimitRoutes(app: App): void {
  app.openapi(limit, async (c) => {
    const { prefix, identifier } = c.req.valid("param");
    const { cost, ...options } = c.req.valid("json");
    if (cost !== 0) assertCanWrite(c.get("access"));
    const limiter = c.get("redge").ratelimit({ ...options, prefix });
    return c.json(await limiter.limit(identifier, cost === undefined ? {} : { cost }), 200);
  });
}
