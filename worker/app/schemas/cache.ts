/** Params and bodies of the cache routes, built from the cache capability's own rules. */
import * as z from "zod";
import { cacheSchemas } from "../../../src/cache/index.js";
import { durationMsSchema, keyNameSchema } from "../../../src/core/validation.js";
import { jsonValueSchema } from "./common.js";

const { entryIdSchema, tagSchema, tagsSchema } = cacheSchemas;

/** TTL of a `PUT` that names none: one hour. */
export const DEFAULT_CACHE_TTL_MS = 3_600_000;
/** Most keys one `invalidate` call deletes. */
export const MAX_INVALIDATE_KEYS = cacheSchemas.MAX_DELETE_MANY;

export const namespaceParamsSchema = z.object({ namespace: keyNameSchema });
export const entryParamsSchema = z.object({ namespace: keyNameSchema, key: entryIdSchema });

export const putEntrySchema = z.strictObject({
  value: jsonValueSchema,
  ttlMs: durationMsSchema
    .optional()
    .meta({ description: `Time to live in ms (default ${DEFAULT_CACHE_TTL_MS})` }),
  tags: tagsSchema.optional().meta({ description: "Tags for POST …/invalidate { tag }" }),
});
export type PutEntry = z.output<typeof putEntrySchema>;

export const invalidateSchema = z
  .strictObject({
    tag: tagSchema.optional(),
    keys: z.array(entryIdSchema).min(1).max(MAX_INVALIDATE_KEYS).optional(),
  })
  .refine((o) => (o.tag === undefined) !== (o.keys === undefined), {
    message: "give exactly one of tag or keys",
  })
  .meta({
    description: "`{ tag }` deletes every entry filed under the tag; `{ keys }` those keys",
  });
export type Invalidate = z.output<typeof invalidateSchema>;

export const valueSchema = z.object({ value: jsonValueSchema });
export const putResultSchema = z.object({ ok: z.literal(true), ttlMs: z.number() });
export const deletedSchema = z.object({ deleted: z.boolean() });
export const invalidatedSchema = z.object({
  deleted: z.number().meta({ description: "How many entries were deleted" }),
});
