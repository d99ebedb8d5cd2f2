/**
 * Subjects over HTTP, in the KRules layout (`s:<subject>`, fields `p<name>` / `e<name>`), so a
 * Python KRules service and this app read and write the same properties.
 */
import { createRoute } from "@hono/zod-openapi";
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
    return c.json(await c.get("redge").subjects().subject(subject).load(), 200);
  });

  app.openapi(patchSubject, async (c) => {
    const { subject } = c.req.valid("param");
    const target = c.get("redge").subjects().subject(subject);
    // store() validates everything first and applies it in one MULTI; the read after it is a
    // second round trip (the response shows the whole subject, not only what changed).
    await target.store(c.req.valid("json"));
    return c.json(await target.load(), 200);
  });

  app.openapi(incrProp, async (c) => {
    const { subject, prop } = c.req.valid("param");
    const { by, extended = false } = c.req.valid("json");
    // One atomic script call that also reads the old value (see Subject.increment).
    const { value, old } = await c
      .get("redge")
      .subjects()
      .subject(subject)
      .increment(prop, by, { extended });
    return c.json({ value, old }, 200);
  });

  app.openapi(flushSubject, async (c) => {
    const { subject } = c.req.valid("param");
    return c.json({ deleted: await c.get("redge").subjects().subject(subject).flush() }, 200);
  });
}
