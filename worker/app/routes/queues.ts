/**
 * Priority queues over HTTP (src/priority): add (with delays), pull (purge, lease, peek, gate),
 * ack, increment, decrement-all, delete-below, expired and the gate. The job-queue routes (nack,
 * dead letters, options, limits, events, schedules) are in queue-jobs.ts.
 *
 * Read-only tokens may call GET and the two POSTs that only read: a pull with `purge: false` and
 * no `leaseMs` (a peek), and `expired` without `purge: true`. Any other pull removes or leases
 * items (pull purges by default), so it needs a read-write token.
 */
import { createRoute } from "@hono/zod-openapi";
import { ADD_MANY_CHUNK_BYTES, addManyChunks } from "../../../src/priority/index.js";
import { assertCanWrite, writeAccess } from "../auth.js";
import type { App } from "../env.js";
import { ApiError } from "../errors.js";
import {
  bearerSecurity,
  errorResponses,
  json,
  jsonBody,
  notFoundResponse,
  okSchema,
} from "../schemas/common.js";
import {
  ackBodySchema,
  addedSchema,
  addItemsBodySchema,
  deleteBelowBodySchema,
  deltaBodySchema,
  expiredBodySchema,
  gateBodySchema,
  gateResultSchema,
  idsResultSchema,
  itemParamsSchema,
  itemsSchema,
  type PullBody,
  priorityResultSchema,
  pullBodySchema,
  pulledSchema,
  queueInfoSchema,
  queueParamsSchema,
} from "../schemas/queues.js";

const tags = ["queues"];
const security = bearerSecurity;
const params = queueParamsSchema;

/** Whether a pull changes the queue: it does unless it is a peek. */
export function pullWrites(body: PullBody): boolean {
  return body.leaseMs !== undefined || body.purge !== false;
}

const info = createRoute({
  method: "get",
  path: "/queues/{name}",
  tags,
  security,
  summary: "Ready and leased counts, and the gate",
  request: { params },
  responses: { 200: json(queueInfoSchema, "The queue's state"), ...errorResponses },
});

const addItems = createRoute({
  method: "post",
  path: "/queues/{name}/items",
  tags,
  security,
  summary: "Add or update items (one atomic call)",
  middleware: [writeAccess] as const,
  request: { params, body: jsonBody(addItemsBodySchema) },
  responses: { 200: json(addedSchema, "How many were new"), ...errorResponses },
});

const pull = createRoute({
  method: "post",
  path: "/queues/{name}/pull",
  tags,
  security,
  summary: "Take (purge), lease or peek the highest-priority items",
  request: { params, body: jsonBody(pullBodySchema) },
  responses: {
    200: json(pulledSchema, "The items, highest priority first (retryAfterMs when limited)"),
    ...errorResponses,
  },
});

const ack = createRoute({
  method: "post",
  path: "/queues/{name}/ack",
  tags,
  security,
  summary: "Complete leased items",
  middleware: [writeAccess] as const,
  request: { params, body: jsonBody(ackBodySchema) },
  responses: {
    200: json(idsResultSchema, "The ids acked (others were refused)"),
    ...errorResponses,
  },
});

const increment = createRoute({
  method: "post",
  path: "/queues/{name}/items/{id}/increment",
  tags,
  security,
  summary: "Add delta to one item's priority",
  middleware: [writeAccess] as const,
  request: { params: itemParamsSchema, body: jsonBody(deltaBodySchema) },
  responses: {
    200: json(priorityResultSchema, "The new priority"),
    ...notFoundResponse,
    ...errorResponses,
  },
});

const decrement = createRoute({
  method: "post",
  path: "/queues/{name}/decrement",
  tags,
  security,
  summary: "Lower every item's priority by delta (O(1))",
  middleware: [writeAccess] as const,
  request: { params, body: jsonBody(deltaBodySchema) },
  responses: { 200: json(okSchema, "Done"), ...errorResponses },
});

const deleteBelow = createRoute({
  method: "post",
  path: "/queues/{name}/delete-below",
  tags,
  security,
  summary: "Remove items below a priority",
  middleware: [writeAccess] as const,
  request: { params, body: jsonBody(deleteBelowBodySchema) },
  responses: { 200: json(idsResultSchema, "The ids removed"), ...errorResponses },
});

const expired = createRoute({
  method: "post",
  path: "/queues/{name}/expired",
  tags,
  security,
  summary: "Items enqueued longer ago than ttlMs (and remove them with purge)",
  request: { params, body: jsonBody(expiredBodySchema) },
  responses: { 200: json(itemsSchema, "The items, oldest first"), ...errorResponses },
});

const setGate = createRoute({
  method: "put",
  path: "/queues/{name}/gate",
  tags,
  security,
  summary: "Set the gate (null removes it)",
  middleware: [writeAccess] as const,
  request: { params, body: jsonBody(gateBodySchema) },
  responses: { 200: json(gateResultSchema, "The gate now"), ...errorResponses },
});

export function queueRoutes(app: App): void {
  app.openapi(info, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    const [size, gate] = await Promise.all([queue.size(), queue.getGate()]);
    return c.json({ ...size, gate }, 200);
  });

  app.openapi(addItems, async (c) => {
    const { items, ifExists } = c.req.valid("json");
    assertOneCall(items);
    const queue = c.get("redge").priority<unknown>(c.req.valid("param").name);
    return c.json(await queue.addMany(items, ifExists ? { ifExists } : undefined), 200);
  });

  app.openapi(pull, async (c) => {
    const body = c.req.valid("json");
    if (pullWrites(body)) assertCanWrite(c.get("access"));
    const items = await c.get("redge").priority(c.req.valid("param").name).pull(body);
    const limited = items.retryAfterMs === undefined ? {} : { retryAfterMs: items.retryAfterMs };
    return c.json({ items, ...limited }, 200);
  });

  app.openapi(ack, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    return c.json({ ids: await queue.ack(c.req.valid("json").ids) }, 200);
  });

  app.openapi(increment, async (c) => {
    const { name, id } = c.req.valid("param");
    const priority = await c.get("redge").priority(name).increment(id, c.req.valid("json").delta);
    if (priority === null) throw new ApiError(404, "not_found", "No such item in the queue");
    return c.json({ priority }, 200);
  });

  app.openapi(decrement, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    await queue.decrementAll(c.req.valid("json").delta);
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(deleteBelow, async (c) => {
    const { threshold, inclusive } = c.req.valid("json");
    const queue = c.get("redge").priority(c.req.valid("param").name);
    return c.json({ ids: await queue.deleteBelow(threshold, { inclusive }) }, 200);
  });

  app.openapi(expired, async (c) => {
    const body = c.req.valid("json");
    if (body.purge === true) assertCanWrite(c.get("access"));
    const items = await c.get("redge").priority(c.req.valid("param").name).expired(body);
    return c.json({ items }, 200);
  });

  app.openapi(setGate, async (c) => {
    const { value } = c.req.valid("json");
    await c.get("redge").priority(c.req.valid("param").name).setGate(value);
    return c.json({ gate: value }, 200);
  });
}

/**
 * `addMany` splits a long list into several script calls (see `addManyChunks`). This route
 * promises one atomic call (a failure in between would leave a partial write behind a 503), so a
 * list that needs more than one is refused before anything is written.
 */
function assertOneCall(items: readonly { id: string; data: unknown; priority: number }[]): void {
  if (addManyChunks(items as Parameters<typeof addManyChunks>[0]).length > 1) {
    throw new ApiError(
      413,
      "payload_too_large",
      `items: their ids and data pass ${ADD_MANY_CHUNK_BYTES} characters, more than one atomic call takes; send them in smaller batches`,
    );
  }
}
