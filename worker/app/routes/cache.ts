/**
 * The cache over HTTP: read, write and delete one entry, invalidate by tag or by keys. Entries are
 * the ones `client.cache.set/get` and `cache.wrap` use, so the app and the library share them.
 */
import { createRoute } from "@hono/zod-openapi";
import { writeAccess } from "../auth.js";
import type { App } from "../env.js";
import { ApiError } from "../errors.js";
import {
  DEFAULT_CACHE_TTL_MS,
  deletedSchema,
  entryParamsSchema,
  invalidatedSchema,
  invalidateSchema,
  namespaceParamsSchema,
  putEntrySchema,
  putResultSchema,
  valueSchema,
} from "../schemas/cache.js";
import {
  bearerSecurity,
  errorResponses,
  json,
  jsonBody,
  notFoundResponse,
} from "../schemas/common.js";

const tags = ["cache"];
const path = "/cache/{namespace}/{key}";

const getEntry = createRoute({
  method: "get",
  path,
  tags,
  summary: "Read an entry",
  security: bearerSecurity,
  request: { params: entryParamsSchema },
  responses: { 200: json(valueSchema, "The value"), ...notFoundResponse, ...errorResponses },
});

const putEntry = createRoute({
  method: "put",
  path,
  tags,
  summary: "Write an entry",
  security: bearerSecurity,
  middleware: [writeAccess] as const,
  request: { params: entryParamsSchema, body: jsonBody(putEntrySchema) },
  responses: { 200: json(putResultSchema, "Stored"), ...errorResponses },
});

const deleteEntry = createRoute({
  method: "delete",
  path,
  tags,
  summary: "Delete an entry",
  security: bearerSecurity,
  middleware: [writeAccess] as const,
  request: { params: entryParamsSchema },
  responses: { 200: json(deletedSchema, "Whether there was one"), ...errorResponses },
});

const invalidate = createRoute({
  method: "post",
  path: "/cache/{namespace}/invalidate",
  tags,
  summary: "Delete entries by tag or by keys",
  security: bearerSecurity,
  middleware: [writeAccess] as const,
  request: { params: namespaceParamsSchema, body: jsonBody(invalidateSchema) },
  responses: { 200: json(invalidatedSchema, "How many were deleted"), ...errorResponses },
});

export function cacheRoutes(app: App): void {
  app.openapi(getEntry, async (c) => {
    const { namespace, key } = c.req.valid("param");
    const value = await c.get("redge").cache.get(key, { namespace });
    if (value === undefined) throw new ApiError(404, "not_found", "No such cache entry");
    return c.json({ value }, 200);
  });

  app.openapi(putEntry, async (c) => {
    const { namespace, key } = c.req.valid("param");
    const { value, ttlMs = DEFAULT_CACHE_TTL_MS, tags } = c.req.valid("json");
    await c.get("redge").cache.set(key, value, { namespace, ttlMs, ...(tags ? { tags } : {}) });
    return c.json({ ok: true as const, ttlMs }, 200);
  });

  app.openapi(deleteEntry, async (c) => {
    const { namespace, key } = c.req.valid("param");
    return c.json({ deleted: await c.get("redge").cache.delete(key, { namespace }) }, 200);
  });

  app.openapi(invalidate, async (c) => {
    const { namespace } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.tag !== undefined) {
      const deleted = await c.get("redge").cache.invalidateTag(body.tag, { namespace });
      return c.json({ deleted }, 200);
    }
    // One atomic round trip (every key of a namespace shares its slot), leases included.
    const deleted = await c.get("redge").cache.deleteMany(body.keys ?? [], { namespace });
    return c.json({ deleted }, 200);
  });
}
