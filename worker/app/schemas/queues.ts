/** Params and bodies of the priority-queue routes, built from src/priority/schemas.ts. */
import * as z from "zod";
import { prioritySchemas } from "../../../src/priority/index.js";
import { jsonValueSchema } from "./common.js";

const {
  ADD_MANY_CHUNK_ITEMS,
  MAX_EVENTS_BLOCK_MS,
  ackEntriesSchema,
  deadLettersOptionsSchema,
  eventIdSchema,
  limitsSchema,
  nackOptionsSchema,
  streamOptionsSchema,
  addItemFieldsSchema,
  deleteBelowOptionsSchema,
  deltaSchema,
  expiredOptionsSchema,
  gateSchema,
  idSchema,
  idsSchema,
  ifExistsSchema,
  pullOptionsSchema,
  scheduleFieldsSchema,
  scheduleIdSchema,
  streamNameSchema,
  thresholdSchema,
  prioritySchema,
  withOneDueTime,
  withOneTiming,
} = prioritySchemas;

/** Most items one `POST /queues/:name/items` takes: what one atomic script call holds. */
export const MAX_ITEMS_PER_REQUEST = ADD_MANY_CHUNK_ITEMS;

export const queueParamsSchema = z.object({ name: streamNameSchema });
export const itemParamsSchema = z.object({ name: streamNameSchema, id: idSchema });

// `data` as "any JSON value": the capability's z.json() is recursive, which the OpenAPI generator
// cannot walk. addMany parses every item with the capability's own schema again.
export const addItemsBodySchema = z.strictObject({
  items: z
    .array(withOneDueTime(addItemFieldsSchema.extend({ data: jsonValueSchema })))
    .min(1, "must hold at least one item")
    .max(MAX_ITEMS_PER_REQUEST, `must hold at most ${MAX_ITEMS_PER_REQUEST} items`),
  ifExists: ifExistsSchema
    .optional()
    .meta({ description: "For ids already there: replace (default), keep or increment" }),
});

// The capability's options schema is optional (pull() takes no argument); a body is an object.
export const pullBodySchema = pullOptionsSchema.unwrap().meta({
  description:
    "purge (default true) removes what it returns; leaseMs hides it until ack; " +
    "purge:false without leaseMs is a peek (read-only tokens may peek)",
});
export type PullBody = z.output<typeof pullBodySchema>;

export const ackBodySchema = z.strictObject({ ids: ackEntriesSchema.min(1) });
export const deltaBodySchema = z.strictObject({ delta: deltaSchema });
export const deleteBelowBodySchema = deleteBelowOptionsSchema
  .unwrap()
  .extend({ threshold: thresholdSchema });
export const expiredBodySchema = expiredOptionsSchema.meta({
  description: "purge:true removes the items it returns; without it this only reads",
});
export const gateBodySchema = z.strictObject({
  value: gateSchema.meta({ description: "The gate; null removes it" }),
});

export const itemSchema = z
  .object({
    id: z.string(),
    data: z.unknown(),
    priority: z.number(),
    enqueuedAt: z.number().meta({ description: "Server ms since the epoch" }),
    leasedUntil: z.number().nullable().meta({ description: "Lease deadline (server ms) or null" }),
    attempts: z.number().meta({
      description: "Times handed out (leased or pulled), the current one included",
    }),
  })
  .meta({ id: "QueueItem" });

export const queueInfoSchema = z.object({
  ready: z.number(),
  leased: z.number(),
  gate: z.number().nullable(),
});
export const addedSchema = z.object({ added: z.number(), existing: z.number() });
export const itemsSchema = z.object({ items: z.array(itemSchema) });
export const pulledSchema = z.object({
  items: z.array(itemSchema),
  retryAfterMs: z.number().optional().meta({
    description: "Present when the queue's limits held the pull to fewer items than asked",
  }),
});
export const idsResultSchema = z.object({ ids: z.array(z.string()) });
export const priorityResultSchema = z.object({ priority: z.number() });
export const gateResultSchema = z.object({ gate: z.number().nullable() });

export const nackBodySchema = nackOptionsSchema
  .unwrap()
  .extend({ ids: ackEntriesSchema.min(1) })
  .meta({ description: "delayMs overrides the queue's backoff (0: at once); reason is kept" });
export const nackedSchema = z.object({
  retried: z.array(z.string()),
  deadLettered: z.array(z.string()),
});

export const deadLettersQuerySchema = z.object({
  count: z.coerce
    .number()
    .pipe(deadLettersOptionsSchema.unwrap().shape.count.unwrap())
    .optional()
    .meta({ description: "At most this many (default 100)" }),
});
export const deadLetterSchema = z
  .object({
    id: z.string(),
    data: z.unknown(),
    priority: z.number(),
    attempts: z.number(),
    reason: z.string(),
    deadAt: z.number().meta({ description: "Server ms since the epoch" }),
  })
  .meta({ id: "QueueDeadLetter" });
export const deadLettersSchema = z.object({ deadLetters: z.array(deadLetterSchema) });
export const idsBodySchema = z.strictObject({ ids: idsSchema.min(1) });

export const optionsBodySchema = streamOptionsSchema.meta({
  description: "The queue's retry policy, for every client; {} removes it",
});
export const optionsResultSchema = z.object({ options: streamOptionsSchema });
export const limitsBodySchema = limitsSchema.meta({
  description: "Replaces the queue's limits; a limit left out is removed",
});
export const limitsResultSchema = z.object({ limits: limitsSchema });

export const queueDetailsSchema = z.object({
  ready: z.number(),
  leased: z.number(),
  delayed: z.number().meta({ description: "Delayed items (and retries waiting) not yet due" }),
  deadLetters: z.number(),
  schedules: z.number(),
  gate: z.number().nullable(),
  options: streamOptionsSchema,
  limits: limitsSchema,
});

/** How long one events response stays open by default, and at most. */
export const DEFAULT_EVENTS_WAIT_MS = 25_000;
export const eventsQuerySchema = z.object({
  from: eventIdSchema.optional().meta({
    description: 'Events after this id (default: Last-Event-ID, else "0"; "$": new ones)',
  }),
  waitMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_EVENTS_BLOCK_MS)
    .optional()
    .meta({
      description: `Keep the stream open this long for new events (default ${DEFAULT_EVENTS_WAIT_MS})`,
    }),
});

export const scheduleParamsSchema = z.object({ name: streamNameSchema, id: scheduleIdSchema });
export const scheduleBodySchema = withOneTiming(
  scheduleFieldsSchema.extend({ data: jsonValueSchema, priority: prioritySchema }),
).meta({ description: "Each occurrence's data and priority, and every (ms) or cron (+ tz)" });
export const scheduledSchema = z.object({
  id: z.string().nullable().meta({ description: "The occurrence in the queue: <id>@<due ms>" }),
  nextAt: z.number().nullable().meta({ description: "When it is due (server ms)" }),
});
export const schedulesSchema = z.object({
  schedules: z.array(
    z
      .object({
        id: z.string(),
        data: z.unknown(),
        priority: z.number(),
        every: z.number().optional(),
        cron: z.string().optional(),
        tz: z.string().optional(),
        nextAt: z.number().nullable(),
      })
      .meta({ id: "QueueSchedule" }),
  ),
});
