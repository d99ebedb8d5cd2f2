/**
 * Schemas every route shares: the error body, "any JSON value", and the response sets each
 * route documents in the OpenAPI document.
 */
import * as z from "zod";

/**
 * Any JSON value. Not `z.json()`: its recursive schema sends the OpenAPI generator into endless
 * recursion. A parsed JSON body holds nothing but JSON, so only a missing value needs refusing.
 */
export const jsonValueSchema = z
  .unknown()
  .refine((v) => v !== undefined, "is required (any JSON value)")
  .meta({ description: "Any JSON value" });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "bad_request" }),
      message: z.string(),
      details: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .meta({ description: "One entry per bad field (400 only)" }),
    }),
  })
  .meta({ id: "Error" });

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: errorSchema } },
});

/** The error answers of an authenticated route. */
export const errorResponses = {
  400: errorResponse("Bad input; `details` names each bad field"),
  401: errorResponse("Missing or invalid bearer token"),
  403: errorResponse("A read-only token on a request that writes"),
  413: errorResponse("The body exceeds the size limit"),
  503: errorResponse("Redis is unreachable; see the Retry-After header"),
} as const;

export const notFoundResponse = { 404: errorResponse("Not found") } as const;
export const conflictResponse = { 409: errorResponse("Conflict with the stored value") } as const;

/** A JSON response with `schema`. */
export function json<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A required JSON request body with `schema`. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { "application/json": { schema } } };
}

/** The OpenAPI security requirement of authenticated routes. */
export const bearerSecurity = [{ bearer: [] }];

export const okSchema = z.object({ ok: z.literal(true) });
