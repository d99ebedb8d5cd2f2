/**
 * Options of the cache and of `cache.wrap` / `cache.set`, as zod schemas; the TypeScript types
 * are derived from them, with the callback fields typed against the wrapped function.
 */
import * as z from "zod";
import type { CallOptions } from "../core/client.js";
import { durationMsSchema, itemIdSchema, keyNameSchema } from "../core/validation.js";
import { argNamesSchema, type CacheCondition, cacheConditionsSchema } from "./conditions.js";

// biome-ignore lint/suspicious/noExplicitAny: any function is accepted here; callers type it.
type AnyFunction = (...args: any[]) => unknown;

const fnSchema = z.custom<AnyFunction>((v) => typeof v === "function", "must be a function");

/** A function, or a value `schema` accepts; issues from `schema` keep their precise paths. */
function functionOr<S extends z.ZodType>(schema: S, expected: string) {
  return z.custom<AnyFunction | z.output<S>>().superRefine((value, ctx) => {
    if (typeof value === "function") return;
    if (typeof value !== "object" || value === null) {
      ctx.addIssue({ code: "custom", message: `must be a function or ${expected}` });
      return;
    }
    const result = schema.safeParse(value);
    if (result.success) return;
    for (const issue of result.error.issues) {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
  });
}

/** A stale-while-revalidate window, in ms (0 = off). */
const windowMsSchema = z
  .number()
  .int("must be a whole number of ms")
  .nonnegative("must be ≥ 0")
  .max(2 ** 45);

export const tagSchema = keyNameSchema;
export const tagsSchema = z.array(tagSchema).max(64, "at most 64 tags per entry");

/** A key given to `cache.set/get/delete` or returned by a `key` function. */
export const entryIdSchema = itemIdSchema;

/** Most keys one `cache.deleteMany` call takes (one atomic round trip). */
export const MAX_DELETE_MANY = 1_000;
export const entryIdsSchema = z
  .array(entryIdSchema)
  .max(MAX_DELETE_MANY, `must hold at most ${MAX_DELETE_MANY} keys`);

export const errorHandlerSchema = fnSchema;

export const cacheOptionsSchema = z
  .object({
    /** Namespace of `set`/`get`/`delete` when the call names none. Default "default". */
    namespace: keyNameSchema.optional(),
    /** Default lease length of single flight, in ms (default 5,000). */
    lockMs: durationMsSchema.optional(),
    /** JSON larger than this many bytes is gzip-compressed (default 8,192; 0 = always try). */
    compressThresholdBytes: z.number().int().nonnegative().optional(),
    /** Per-Redis-call timeout of cache operations (default: the client's). */
    timeoutMs: durationMsSchema.optional(),
    /** Retries of cache operations' Redis calls (default: the client's policy). */
    retry: z
      .union([
        z.boolean(),
        z
          .object({
            retries: z.number().int().nonnegative().optional(),
            baseDelayMs: z.number().nonnegative().optional(),
            maxDelayMs: z.number().nonnegative().optional(),
            jitter: z.boolean().optional(),
          })
          .strict(),
      ])
      .optional(),
    onError: fnSchema.optional(),
    waitUntil: fnSchema.optional(),
  })
  .strict();

export const wrapOptionsSchema = z
  .object({
    namespace: keyNameSchema,
    ttlMs: durationMsSchema,
    key: fnSchema.optional(),
    skipArgs: z
      .array(
        z.union([
          z.string().min(1, "must not be empty"),
          z.number().int("must be a whole number").nonnegative("must be ≥ 0"),
        ]),
      )
      .optional(),
    cacheIf: functionOr(cacheConditionsSchema, "an array of conditions").optional(),
    /**
     * The names of the function's positional parameters, for `cacheIf` conditions with `kwarg`
     * when they cannot be read from its source (minified, bound or native functions).
     */
    argNames: argNamesSchema.optional(),
    staleWhileRevalidateMs: windowMsSchema.optional(),
    tags: functionOr(tagsSchema, "an array of tags").optional(),
    lockMs: durationMsSchema.optional(),
    waitUntil: fnSchema.optional(),
    onError: fnSchema.optional(),
  })
  .strict();

export const setOptionsSchema = z
  .object({
    ttlMs: durationMsSchema,
    namespace: keyNameSchema.optional(),
    tags: tagsSchema.optional(),
  })
  .strict();

export const namespaceOptionsSchema = z.object({ namespace: keyNameSchema.optional() }).strict();

/** What a cache fault was doing when it happened. */
export type CacheOperation =
  | "read"
  | "lease"
  | "renew"
  | "release"
  | "write"
  | "register"
  | "encode"
  | "decode"
  | "tags"
  | "refresh";

export interface CacheErrorInfo {
  operation: CacheOperation;
  namespace: string;
  /** The Redis key involved, when there is one. */
  key?: string;
}

/**
 * Told about every cache fault the wrapped function recovered from (Redis down, a value that
 * cannot be stored, a failed background refresh). Never told about errors thrown by `fn`.
 */
export type CacheErrorHandler = (error: unknown, info: CacheErrorInfo) => void;

/** Hands a background promise to the runtime (e.g. a Workers `ctx.waitUntil`). */
export type WaitUntil = (promise: Promise<unknown>) => void;

export type CacheOptions = Omit<
  z.input<typeof cacheOptionsSchema>,
  "onError" | "waitUntil" | "retry"
> & {
  onError?: CacheErrorHandler;
  waitUntil?: WaitUntil;
  retry?: CallOptions["retry"];
};

/** The callback options of `wrap`, typed against the wrapped function's arguments and result. */
export interface WrapCallbacks<A extends unknown[], R> {
  /** Builds the entry id from the arguments instead of hashing them. */
  key?: (...args: A) => string;
  /** Whether a call uses the cache: a predicate, or declarative conditions (OR-ed). */
  cacheIf?: ((...args: A) => boolean) | readonly CacheCondition[];
  /** Tags filed with the entry: a list, or computed from the result and arguments. */
  tags?: readonly string[] | ((result: R, ...args: A) => readonly string[]);
  waitUntil?: WaitUntil;
  onError?: CacheErrorHandler;
}

export type WrapOptions<A extends unknown[], R> = Omit<
  z.input<typeof wrapOptionsSchema>,
  keyof WrapCallbacks<A, R>
> &
  WrapCallbacks<A, R>;

export type SetOptions = z.input<typeof setOptionsSchema>;
export type NamespaceOptions = z.input<typeof namespaceOptionsSchema>;
