/** Params and bodies of the stream-queue routes, built from src/streams/schema.ts. */
import * as z from "zod";
import { streamSchemas } from "../../../src/streams/index.js";
import { jsonValueSchema } from "./common.js";

const { idsSchema, nameSchema, publishOptionsSchema, receiveOptionsSchema, streamOptionsSchema } =
  streamSchemas;

/** Most messages one `POST /streams/:name/messages` takes: one pipeline (PUBLISH_BATCH). */
export const MAX_MESSAGES_PER_REQUEST = 1_000;
/**
 * Longest `blockMs` over HTTP. An HTTP request should not hang for minutes (proxies and
 * Workers cut it off), so the library's limit (~24 days) is cut to 30 s here.
 */
export const MAX_HTTP_BLOCK_MS = 30_000;
/** Most ids one ack takes. */
export const MAX_ACK_IDS = 10_000;

export const streamParamsSchema = z.object({ name: nameSchema });
export const groupParamsSchema = z.object({
  name: nameSchema,
  group: streamOptionsSchema.shape.group,
});

export const publishBodySchema = z.strictObject({
  messages: z
    .array(jsonValueSchema)
    .min(1, "must hold at least one message")
    .max(MAX_MESSAGES_PER_REQUEST, `must hold at most ${MAX_MESSAGES_PER_REQUEST} messages`),
  maxLen: publishOptionsSchema.shape.maxLen.meta({
    description: "Trim the stream to about this many entries (XADD MAXLEN ~)",
  }),
});

const receive = receiveOptionsSchema.shape;
export const receiveBodySchema = z.strictObject({
  consumer: receive.consumer,
  count: receive.count,
  blockMs: z
    .number()
    .int("must be a whole number of ms")
    .min(0, "must be ≥ 0")
    .max(MAX_HTTP_BLOCK_MS, `must be at most ${MAX_HTTP_BLOCK_MS}`)
    .default(0)
    .meta({ description: "Wait up to this long for a message (default 0: do not wait)" }),
  claimIdleMs: receive.claimIdleMs.meta({
    description: "First take over messages other consumers left unacked this long",
  }),
});
export type ReceiveBody = z.output<typeof receiveBodySchema>;

export const ackBodySchema = z.strictObject({
  ids: idsSchema.min(1, "must hold at least one id").max(MAX_ACK_IDS),
});

export const publishedSchema = z.object({ ids: z.array(z.string()) });
export const messagesSchema = z.object({
  messages: z.array(
    z.object({ id: z.string(), data: z.unknown(), deliveries: z.number() }).meta({
      id: "StreamMessage",
    }),
  ),
});
export const ackedSchema = z.object({
  acked: z.number().meta({ description: "How many were pending" }),
});
