/**
 * The priority queues' job-queue routes (src/priority): nack, dead letters, the queue's options
 * and limits, schedules, its details, and its lifecycle events as server-sent events.
 *
 * Read-only tokens may read: the details, the dead letters, the schedules, the events. Every
 * other route here writes, so it needs a read-write token.
 */
import { createRoute } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { writeAccess } from "../auth.js";
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
  DEFAULT_EVENTS_WAIT_MS,
  deadLettersQuerySchema,
  deadLettersSchema,
  eventsQuerySchema,
  idsBodySchema,
  idsResultSchema,
  limitsBodySchema,
  limitsResultSchema,
  nackBodySchema,
  nackedSchema,
  optionsBodySchema,
  optionsResultSchema,
  queueDetailsSchema,
  queueParamsSchema,
  scheduleBodySchema,
  scheduledSchema,
  scheduleParamsSchema,
  schedulesSchema,
} from "../schemas/queues.js";

const tags = ["queues"];
const security = bearerSecurity;
const params = queueParamsSchema;
const middleware = writeAccess;

const details = createRoute({
  method: "get",
  path: "/queues/{name}/info",
  tags,
  security,
  summary: "Counts (ready, leased, delayed, dead letters, schedules) and settings",
  request: { params },
  responses: { 200: json(queueDetailsSchema, "The queue's details"), ...errorResponses },
});

const nack = createRoute({
  method: "post",
  path: "/queues/{name}/nack",
  tags,
  security,
  middleware,
  summary: "End leases without completing them: retry after the backoff, or dead-letter",
  request: { params, body: jsonBody(nackBodySchema) },
  responses: {
    200: json(nackedSchema, "Which ids retry, which are dead letters"),
    ...errorResponses,
  },
});

const deadLetters = createRoute({
  method: "get",
  path: "/queues/{name}/dead-letters",
  tags,
  security,
  summary: "Dead letters, oldest first",
  request: { params, query: deadLettersQuerySchema },
  responses: { 200: json(deadLettersSchema, "The dead letters"), ...errorResponses },
});

const requeue = createRoute({
  method: "post",
  path: "/queues/{name}/dead-letters/requeue",
  tags,
  security,
  middleware,
  summary: "Return dead letters to the queue as new items",
  request: { params, body: jsonBody(idsBodySchema) },
  responses: { 200: json(idsResultSchema, "The ids requeued"), ...errorResponses },
});

const deleteLetters = createRoute({
  method: "post",
  path: "/queues/{name}/dead-letters/delete",
  tags,
  security,
  middleware,
  summary: "Delete dead letters",
  request: { params, body: jsonBody(idsBodySchema) },
  responses: { 200: json(idsResultSchema, "The ids deleted"), ...errorResponses },
});

const setOptions = createRoute({
  method: "put",
  path: "/queues/{name}/options",
  tags,
  security,
  middleware,
  summary: "Set the queue's retry policy (maxAttempts, backoff) for every client",
  request: { params, body: jsonBody(optionsBodySchema) },
  responses: { 200: json(optionsResultSchema, "The options now"), ...errorResponses },
});

const setLimits = createRoute({
  method: "put",
  path: "/queues/{name}/limits",
  tags,
  security,
  middleware,
  summary: "Set the queue's limits (concurrency, rate), enforced in every pull",
  request: { params, body: jsonBody(limitsBodySchema) },
  responses: { 200: json(limitsResultSchema, "The limits now"), ...errorResponses },
});

const events = createRoute({
  method: "get",
  path: "/queues/{name}/events",
  tags,
  security,
  summary: "The queue's lifecycle events as server-sent events (resume with Last-Event-ID)",
  description:
    "Sends the events after `from` (or the Last-Event-ID header), then new ones as they come, " +
    "for up to `waitMs`, then ends; an EventSource reconnects by itself and resumes after the " +
    "last id. Each event: `id` (the entry's id), `event` (its type), `data` (JSON: type, ids, " +
    "reason, at).",
  request: { params, query: eventsQuerySchema },
  responses: {
    200: {
      description: "text/event-stream",
      content: { "text/event-stream": { schema: { type: "string" } } },
    },
    ...errorResponses,
  },
});

const putSchedule = createRoute({
  method: "put",
  path: "/queues/{name}/schedules/{id}",
  tags,
  security,
  middleware,
  summary: "Create or replace a schedule (every ms, or cron with a time zone)",
  request: { params: scheduleParamsSchema, body: jsonBody(scheduleBodySchema) },
  responses: { 200: json(scheduledSchema, "Its occurrence in the queue"), ...errorResponses },
});

const deleteSchedule = createRoute({
  method: "delete",
  path: "/queues/{name}/schedules/{id}",
  tags,
  security,
  middleware,
  summary: "Delete a schedule and its waiting occurrence",
  request: { params: scheduleParamsSchema },
  responses: { 200: json(okSchema, "Deleted"), ...notFoundResponse, ...errorResponses },
});

const listSchedules = createRoute({
  method: "get",
  path: "/queues/{name}/schedules",
  tags,
  security,
  summary: "The queue's schedules and when their occurrence is due",
  request: { params },
  responses: { 200: json(schedulesSchema, "The schedules"), ...errorResponses },
});

/** Most events one read of the SSE loop asks for. */
const EVENTS_BATCH = 100;
/** How long one blocking read of the SSE loop waits before checking the connection again. */
const EVENTS_BLOCK_MS = 5_000;

export function queueJobRoutes(app: App): void {
  app.openapi(details, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    const [size, info] = await Promise.all([queue.size(), queue.info()]);
    return c.json({ ...size, ...info }, 200);
  });

  app.openapi(nack, async (c) => {
    const { ids, delayMs, reason } = c.req.valid("json");
    const queue = c.get("redge").priority(c.req.valid("param").name);
    const options = {
      ...(delayMs === undefined ? {} : { delayMs }),
      ...(reason === undefined ? {} : { reason }),
    };
    return c.json(await queue.nack(ids, options), 200);
  });

  app.openapi(deadLetters, async (c) => {
    const { count } = c.req.valid("query");
    const queue = c.get("redge").priority<unknown>(c.req.valid("param").name);
    const letters = await queue.deadLetters(count === undefined ? {} : { count });
    return c.json({ deadLetters: letters }, 200);
  });

  app.openapi(requeue, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    return c.json({ ids: await queue.requeueDeadLetters(c.req.valid("json").ids) }, 200);
  });

  app.openapi(deleteLetters, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    return c.json({ ids: await queue.deleteDeadLetters(c.req.valid("json").ids) }, 200);
  });

  app.openapi(setOptions, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    await queue.setOptions(c.req.valid("json"));
    return c.json({ options: (await queue.info()).options }, 200);
  });

  app.openapi(setLimits, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    await queue.setLimits(c.req.valid("json"));
    return c.json({ limits: (await queue.info()).limits }, 200);
  });

  app.openapi(putSchedule, async (c) => {
    const { name, id } = c.req.valid("param");
    const { data, priority, ...timing } = c.req.valid("json");
    const queue = c.get("redge").priority<unknown>(name);
    return c.json(await queue.schedule(id, data, priority, timing), 200);
  });

  app.openapi(deleteSchedule, async (c) => {
    const { name, id } = c.req.valid("param");
    if (!(await c.get("redge").priority(name).unschedule(id))) {
      throw new ApiError(404, "not_found", "No such schedule in the queue");
    }
    return c.json({ ok: true as const }, 200);
  });

  app.openapi(listSchedules, async (c) => {
    const queue = c.get("redge").priority<unknown>(c.req.valid("param").name);
    return c.json({ schedules: await queue.schedules() }, 200);
  });

  app.openapi(events, async (c) => {
    const queue = c.get("redge").priority(c.req.valid("param").name);
    const query = c.req.valid("query");
    const resume = c.req.header("last-event-id");
    let from = query.from ?? (resume && /^\d{1,16}-\d{1,20}$/.test(resume) ? resume : "0");
    // "$" is resolved now, so the loop below resumes from a real id.
    if (from === "$") from = await queue.latestEventId();
    // Read the first batch before the response starts, so a failure is an ordinary error answer.
    let batch = await queue.events({ from, count: EVENTS_BATCH });
    const waitMs = query.waitMs ?? DEFAULT_EVENTS_WAIT_MS;
    const until = Date.now() + waitMs;
    return streamSSE(c, async (stream) => {
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      for (;;) {
        for (const event of batch) {
          await stream.writeSSE({
            id: event.id,
            event: event.type,
            data: JSON.stringify(event),
          });
          from = event.id;
        }
        const left = until - Date.now();
        if (!open || left <= 0) break;
        batch = await queue.events({
          from,
          count: EVENTS_BATCH,
          blockMs: Math.min(left, EVENTS_BLOCK_MS),
          signal: c.req.raw.signal,
        });
      }
    }) as never;
  });
}
