/**
 * What `createApp` takes, checked once at start-up: a bad option is a ConfigError naming it,
 * never a request that fails later.
 */
import type { cors } from "hono/cors";
import * as z from "zod";
import { ConfigError, type RedgeClient } from "../../src/index.js";
import type { DocsAssets, PlatformDocsAssets } from "./routes/docs.js";

export type CorsOptions = NonNullable<Parameters<typeof cors>[0]>;

/** 1 MiB: far above any sane JSON request to these routes, far below a runtime's limit. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Bytes of request bodies being read at once, over all requests (past it, 503). */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Event streams open at once (each holds a subscription: on TCP, a Redis connection). */
export const DEFAULT_MAX_EVENT_STREAMS = 1_000;

// A bearer token is one header word (see auth.ts), so whitespace could never match.
const tokenSchema = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .regex(/^\S+$/, "must not contain whitespace");

// Duck-typed rather than `instanceof`: an entry point may load redge from another copy (dist/src).
const clientSchema = z.custom<RedgeClient>(
  (v) =>
    typeof v === "object" &&
    v !== null &&
    typeof (v as RedgeClient).health === "function" &&
    typeof (v as RedgeClient).priority === "function",
  "must be a RedgeClient (createClient() or createNodeClient())",
);

// By shape, not `instanceof`: a Buffer or bytes from another realm (the edge VM) are bytes too.
function isBytes(v: unknown): boolean {
  return ArrayBuffer.isView(v) && (v as Uint8Array).BYTES_PER_ELEMENT === 1;
}

const versionSchema = z.string().regex(/^\d+\.\d+\.\d+$/, "must be a version like 5.35.0");

export const appOptionsSchema = z
  .object({
    client: clientSchema,
    /** Read-write bearer tokens; at least one. */
    tokens: z.array(tokenSchema).min(1, "must hold at least one token"),
    /** Tokens that may only read (GET routes, peeks). */
    readOnlyTokens: z.array(tokenSchema).optional(),
    /** `true` for hono/cors defaults (any origin), or hono/cors options. */
    cors: z
      .union([z.boolean(), z.custom<CorsOptions>((v) => typeof v === "object" && v !== null)])
      .optional(),
    /** Largest request body, in bytes (default 1 MiB). */
    maxBodyBytes: z
      .number()
      .int("must be a whole number")
      .positive()
      .max(2 ** 31)
      .optional(),
    /** Bytes of request bodies held while reading, over all requests (default 64 MiB). */
    maxBufferedBytes: z
      .number()
      .int("must be a whole number")
      .positive()
      .max(2 ** 40)
      .optional(),
    /** `GET /channels/:name/events` streams open at once (default 1,000; past it, 503). */
    maxEventStreams: z.number().int("must be a whole number").positive().max(1_000_000).optional(),
    /**
     * Told about every error answered with a 500 or 503 (log it: the response says only
     * "Internal server error").
     */
    onError: z.custom<(error: unknown) => void>((v) => typeof v === "function").optional(),
    /**
     * Swagger UI's files, for /docs to load from the app itself instead of a CDN (startServer
     * passes them, read from swagger-ui-dist; see loadDocsAssets in redge/server).
     */
    docsAssets: z
      .object({
        version: versionSchema,
        css: z.unknown().optional(),
        js: z.unknown().optional(),
        // The platform serves the files at the same paths (redge dev: wrangler's static assets).
        servedBy: z.literal("platform").optional(),
      })
      .superRefine((assets, ctx) => {
        if (assets.servedBy !== undefined) return;
        for (const file of ["css", "js"] as const) {
          if (!isBytes(assets[file])) {
            ctx.addIssue({ code: "custom", path: [file], message: "must be a Uint8Array" });
          }
        }
      })
      .transform((assets): DocsAssets | PlatformDocsAssets =>
        assets.servedBy !== undefined
          ? { version: assets.version, servedBy: assets.servedBy }
          : { version: assets.version, css: assets.css as Uint8Array, js: assets.js as Uint8Array },
      )
      .optional(),
  })
  .superRefine((o, ctx) => {
    const rw = new Set(o.tokens);
    for (const [i, token] of (o.readOnlyTokens ?? []).entries()) {
      if (rw.has(token)) {
        ctx.addIssue({
          code: "custom",
          path: ["readOnlyTokens", i],
          message: "is also a read-write token",
        });
      }
    }
  });

export type AppOptions = z.input<typeof appOptionsSchema>;

export interface ResolvedAppOptions {
  client: RedgeClient;
  tokens: readonly string[];
  readOnlyTokens: readonly string[];
  cors: CorsOptions | undefined;
  maxBodyBytes: number;
  maxBufferedBytes: number;
  maxEventStreams: number;
  onError: ((error: unknown) => void) | undefined;
  docsAssets: DocsAssets | PlatformDocsAssets | undefined;
}

/** Parses the options or throws a ConfigError listing every bad one (never echoing a token). */
export function resolveAppOptions(options: AppOptions): ResolvedAppOptions {
  const result = appOptionsSchema.safeParse(options ?? {});
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        path: issue.path.map(String).join("."),
        message: issue.message,
      })),
    );
  }
  const o = result.data;
  return {
    client: o.client,
    tokens: o.tokens,
    readOnlyTokens: o.readOnlyTokens ?? [],
    cors: o.cors === true ? {} : o.cors === false ? undefined : o.cors,
    maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxBufferedBytes: Math.max(
      o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    ),
    maxEventStreams: o.maxEventStreams ?? DEFAULT_MAX_EVENT_STREAMS,
    onError: o.onError,
    docsAssets: o.docsAssets,
  };
}
