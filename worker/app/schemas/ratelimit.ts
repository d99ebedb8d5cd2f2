/** Params and bodies of the rate-limit route, built from src/ratelimit/schemas.ts. */
import * as z from "zod";
import { ratelimitSchemas } from "../../../src/ratelimit/index.js";

const { identifierSchema, limitCallOptionsSchema, ratelimitOptionsSchema } = ratelimitSchemas;

export const ratelimitParamsSchema = z.object({
  prefix: ratelimitOptionsSchema.shape.prefix.unwrap(),
  identifier: identifierSchema,
});

export const limitBodySchema = ratelimitOptionsSchema
  .omit({ prefix: true })
  .extend(limitCallOptionsSchema.unwrap().shape)
  .meta({
    description: "The limiter (limit, windowMs, algorithm) and this call's cost (default 1)",
  });
export type LimitBody = z.output<typeof limitBodySchema>;

export const limitResultSchema = z.object({
  success: z.boolean(),
  remaining: z.number(),
  resetAt: z.number().meta({ description: "Server ms when the limiter is full again" }),
  retryAfterMs: z.number().meta({ description: "0 on success; else ms until it can succeed" }),
  limit: z.number(),
});
