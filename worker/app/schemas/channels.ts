/** Params and bodies of the pub/sub routes (src/core/pubsub.ts's names, narrowed for HTTP). */
import * as z from "zod";
import { channelNameSchema } from "../../../src/index.js";
import { jsonValueSchema } from "./common.js";

/**
 * A channel of the app: published and subscribed to as `<keyPrefix><name>` (the client's key
 * prefix, as for every other name the app takes). Names starting with `__` are Redis' own
 * (keyspace notifications, client-side caching invalidations): callers of the app get none.
 */
export const channelParamsSchema = z.object({
  name: channelNameSchema
    .max(200, "must be at most 200 characters")
    .refine((s) => !s.startsWith("__"), "must not start with '__' (Redis' own channels)")
    .meta({ description: "Redis channel: keyPrefix + name" }),
});

export const publishMessageBodySchema = z.strictObject({
  message: jsonValueSchema.meta({ description: "A string as is, other JSON as its text" }),
});

export const receiversSchema = z.object({
  receivers: z.number().int(),
});

/** The event stream (docs/edge-app.md describes its events). */
export const eventStreamSchema = z.string().meta({
  description: "Server-sent events: subscribed, message, reconnected, error",
});
