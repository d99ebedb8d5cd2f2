/**
 * Subjects over HTTP, in the KRules layout (`s:<subject>`, fields `p<name>` / `e<name>`), so a
 * Python KRules service and this app read and write the same properties.
 */
import { createRoute } from "@hono/zod-openapi";
import { SubjectValueError } from "../../../src/index.js";
import { writeAccess } from "../auth.js";
import type { App } from "../env.js";
import {
  bearerSecurity,
  conflictResponse,
  errorResponses,
  json,
  jsonBody,
} from "../schemas/common.js";
import {
  flushedSchema,
  incrResultSchema,
  incrSchema,
  patchSubjectSchema,
  propParamsSchema,
  snapshotSchema,
  subjectParamsSchema,
} from "../schemas/subjects.js";

const tags = ["subjects"];
const path = "/subjects/{subject}";

const getSubject = createRoute({
  method: "get",
  path,
  tags,
  summary: "Read every property (an unknown subject has none)",
  security: bearerSecurity,
  request: { params: subjectParamsSchema },
  responses: {
    200: json(snapshotSchema, "The properties"),
    ...conflictResponse,
    ...errorResponses,
  },
});

const patchSubject = createRoute({
  method: "patch",
  path,
  tags,
  summary: "Set and delete properties atomically; returns every property after",
  security: bearerSecurity,
  middleware: [writeAccess] as const,
  request: { params: subjectParamsSchema, body: jsonBody(patchSubjectSchema) },
  responses: { 200: json(snapshotSchema, "The properties after the change"), ...errorResponses },
});

const incrProp = createRoute({
  method: "post",
  path: "/subjects/{subject}/props/{prop}/incr",
  tags,
  summary: "Add to a numeric property atomically",
  security: bearerSecurity,
  middleware: [writeAccess] as const,
  request: { params: propParamsSchema, body: jsonBody(incrSchema) },
  responses: {
    200: json(incrResultSchema, "The new and the old value"),
    ...conflictResponse,
    ...errorResponses,
  },
});

const flushSubject = createRoute({
  method: "delete",
  path,
  tags,
  summary: "Delete the subject and every property",
  security: bearerSecurity,
  middleware: [writeAccess] as const,
  request: { params: subjectParamsSchema },
  responses: { 200: json(flushedSchema, "Whether it existed"), ...errorResponses },
});

export function subjectRoutes(app: App): void {
  app.openapi(getSubject, async (c) => {
    const { subject } = c.req.valid("param");
    return c.json(await c.var.redge.subjects().subject(subject).load(), 200);
  });

  app.openapi(patchSubject, async (c) => {
    const { subject } = c.req.valid("param");
    const target = c.var.redge.subjects().subject(subject);
    // store() validates everything first and applies it in one MULTI; the read after it is a
    // second round trip (the response shows the whole subject, not only what changed).
    await target.store(c.req.valid("json"));
    return c.json(await target.load(), 200);
  });

  app.openapi(incrProp, async (c) => {
    const { subject, prop } = c.req.valid("param");
    const { by, extended = false } = c.req.valid("json");
    // A compare-and-set read-modify-write (Subject.set with a function), not the incr script:
    // it reports the exact old value (value − by is not it for floats). Under heavy contention
    // it gives up with a ConflictError (409); a non-number stored there is a 409 too.
    const { value, old } = await c.var.redge
      .subjects()
      .subject(subject)
      .set<number>(
        prop,
        (current) => {
          if (current !== undefined && typeof current !== "number") {
            throw new SubjectValueError(
              subject,
              prop,
              extended,
              "does not hold a JSON number, so it cannot be incremented",
            );
          }
          const next = (current ?? 0) + by;
          if (!Number.isFinite(next)) {
            throw new SubjectValueError(
              subject,
              prop,
              extended,
              `would leave the finite range after adding ${by}`,
            );
          }
          return next;
        },
        { extended },
      );
    return c.json({ value, old: old ?? 0 }, 200);
  });

  app.openapi(flushSubject, async (c) => {
    const { subject } = c.req.valid("param");
    return c.json({ deleted: await c.var.redge.subjects().subject(subject).flush() }, 200);
  });
}
