/**
 * Stream queues over HTTP (src/streams): publish, receive within a consumer group, ack. Every one
 * of them writes (receive moves messages into the consumer's pending list), so all need a
 * read-write token.
 */
import { createRoute } from "@hono/zod-openapi";
import { CommandError, type RedgeClient } from "../../../src/index.js";
import { writeAccess } from "../auth.js";
import type { App } from "../env.js";
import {
  bearerSecurity,
  errorResponses,
  json,
  jsonBody,
  notFoundResponse,
} from "../schemas/common.js";
import {
  ackBodySchema,
  ackedSchema,
  groupParamsSchema,
  messagesSchema,
  publishBodySchema,
  publishedSchema,
  type ReceiveBody,
  receiveBodySchema,
  streamParamsSchema,
} from "../schemas/streams.js";

const tags = ["streams"];
const security = bearerSecurity;
const middleware = writeAccess;

// Publishing uses no group; a StreamQueue needs one, so this placeholder stands in.
const PUBLISH_GROUP = "publish";

const publish = createRoute({
  method: "post",
  path: "/streams/{name}/messages",
  tags,
  security,
  middleware,
  summary: "Append messages (any JSON values)",
  request: { params: streamParamsSchema, body: jsonBody(publishBodySchema) },
  responses: { 200: json(publishedSchema, "Their ids, in order"), ...errorResponses },
});

const receive = createRoute({
  method: "post",
  path: "/streams/{name}/groups/{group}/receive",
  tags,
  security,
  middleware,
  summary: "Receive messages as one consumer of the group (created on first use)",
  request: { params: groupParamsSchema, body: jsonBody(receiveBodySchema) },
  responses: { 200: json(messagesSchema, "The messages, reclaimed first"), ...errorResponses },
});

const ack = createRoute({
  method: "post",
  path: "/streams/{name}/groups/{group}/ack",
  tags,
  security,
  middleware,
  summary: "Acknowledge messages",
  request: { params: groupParamsSchema, body: jsonBody(ackBodySchema) },
  responses: {
    200: json(ackedSchema, "How many were pending"),
    ...notFoundResponse,
    ...errorResponses,
  },
});

/**
 * Receives; when the group (or the stream) does not exist yet, creates the group reading from the
 * stream's start and receives again. Messages published before the first receive are delivered.
 */
async function receiveCreatingGroup(
  client: RedgeClient,
  name: string,
  group: string,
  body: ReceiveBody,
  signal: AbortSignal,
) {
  const queue = client.stream(name, { group });
  const options = {
    consumer: body.consumer,
    count: body.count,
    blockMs: body.blockMs,
    ...(body.claimIdleMs !== undefined ? { claimIdleMs: body.claimIdleMs } : {}),
    signal,
  };
  try {
    return await queue.receive(options);
  } catch (error) {
    if (!(error instanceof CommandError && error.prefix === "NOGROUP")) throw error;
    await queue.createGroup({ startId: "0" });
    return queue.receive(options);
  }
}

export function streamRoutes(app: App): void {
  app.openapi(publish, async (c) => {
    const { messages, maxLen } = c.req.valid("json");
    const queue = c.get("redge").stream(c.req.valid("param").name, { group: PUBLISH_GROUP });
    return c.json({ ids: await queue.publishMany(messages, maxLen ? { maxLen } : {}) }, 200);
  });

  app.openapi(receive, async (c) => {
    const { name, group } = c.req.valid("param");
    const messages = await receiveCreatingGroup(
      c.get("redge"),
      name,
      group,
      c.req.valid("json"),
      c.req.raw.signal,
    );
    return c.json({ messages }, 200);
  });

  app.openapi(ack, async (c) => {
    const { name, group } = c.req.valid("param");
    const acked = await c.get("redge").stream(name, { group }).ack(c.req.valid("json").ids);
    return c.json({ acked }, 200);
  });
}
