/** Params and bodies of the priority-queue routes, built from src/priority/schemas.ts. */
import * as z from "zod";
import { prioritySchemas } from "../../../src/priority/index.js";
import { jsonValueSchema } from "./common.js";

const {
  ADD_MANY_CHUNK_ITEMS,
  ackEntriesSchema,
  addItemSchema,
  deleteBelowOptionsSchema,
  deltaSchema,
  expiredOptionsSchema,
  gateSchema,
  idSchema,
  ifExistsSchema,
  pullOptionsSchema,
  streamNameSchema,
  thresholdSchema,
} = prioritySchemas;

/** Most items one `POST /queues/:name/items` takes: what one atomic script call holds. */
export const MAX_ITEMS_PER_REQUEST = ADD_MANY_CHUNK_ITEMS;

export const queueParamsSchema = z.object({ name: streamNameSchema });
export const itemParamsSchema = z.object({ name: streamNameSchema, id: idSchema });

// `data` as "any JSON value": the capability's z.json() is recursive, which the OpenAPI generator
// cannot walk. addMany parses every item with the capability's own schema again.
export const addItemsBodySchema = z.strictObject({
  items: z
    .array(addItemSchema.extend({ data: jsonValueSchema }))
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
  })
  .meta({ id: "QueueItem" });

export const queueInfoSchema = z.object({
  ready: z.number(),
  leased: z.number(),
  gate: z.number().nullable(),
});
export const addedSchema = z.object({ added: z.number(), existing: z.number() });
export const itemsSchema = z.object({ items: z.array(itemSchema) });
export const idsResultSchema = z.object({ ids: z.array(z.string()) });
export const priorityResultSchema = z.object({ priority: z.number() });
export const gateResultSchema = z.object({ gate: z.number().nullable() });
