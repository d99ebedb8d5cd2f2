/**
 * The zod schemas of single config fields, shared by the input schema (which adds defaults) and
 * the normalized schema (which has none). Every message here is written out by hand and never
 * contains the rejected value: a config field may hold a password.
 */
import * as z from "zod";

/** Longest timer Node, browsers and Workers honour: a larger `setTimeout` delay fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A zod error setting: "is required" when the field is missing, `message` for any other value.
 * (zod's own messages are fine too, but these read better in a config reference.)
 */
export function orRequired(message: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : message);
}

/** A whole number in `[min, max]`, with one message for every way of missing it. */
export function integerIn(min: number, max: number, what = "a whole number") {
  const message = `must be ${what} from ${min} to ${max}`;
  // `Number.isInteger` as a refinement, not `.int()`: zod's int check aborts the whole parse,
  // which would hide the cross-field issues the top-level rules report.
  return z
    .number({ error: orRequired(message) })
    .refine(Number.isInteger, { error: message })
    .min(min, { error: message })
    .max(max, { error: message });
}

/** Control characters (C0, DEL, C1): never valid in a host name or a key prefix. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A host name or IP address. An IPv6 address may be given with or without brackets; the brackets
 * are removed, as ioredis wants the bare address.
 */
export const hostSchema = z
  .string({ error: orRequired("must be a host name or an IP address") })
  .trim()
  .transform((host) => (host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host))
  .pipe(
    z
      .string()
      .min(1, { error: "must not be empty" })
      .max(255, { error: "must be at most 255 characters" })
      .refine((host) => !/\s/.test(host) && !CONTROL_CHARS.test(host), {
        error: "must not contain spaces or control characters",
      })
      .refine((host) => !/[/@?#]/.test(host), {
        error: "must be a bare host name or IP address (no scheme, path or credentials)",
      }),
  );

export const portSchema = integerIn(1, 65_535, "a port number");

/** Redis' logical database number (`SELECT`). */
export const dbSchema = integerIn(0, 2_147_483_647, "a database number");

/** A non-empty string: user names, passwords, tokens, the Sentinel master's name. */
export function nonEmptyString(what: string) {
  return z
    .string({ error: orRequired(`must be ${what}`) })
    .min(1, { error: "must not be empty (leave it out instead)" });
}

export const KEY_PREFIX_MAX_LENGTH = 128;

/**
 * Put in front of every key a capability builds. Braces would open or close a hash tag and move
 * keys to another slot; control characters have no business in key names.
 */
export const keyPrefixSchema = z
  .string({ error: orRequired("must be a string") })
  .max(KEY_PREFIX_MAX_LENGTH, { error: `must be at most ${KEY_PREFIX_MAX_LENGTH} characters` })
  .refine((prefix) => !/[{}]/.test(prefix), {
    error: "must not contain { or } (they would change which hash slot keys land in)",
  })
  .refine((prefix) => !CONTROL_CHARS.test(prefix), {
    error: "must not contain control characters",
  });

export const timeoutMsSchema = integerIn(1, MAX_TIMER_MS, "a whole number of milliseconds");
export const delayMsSchema = integerIn(0, MAX_TIMER_MS, "a whole number of milliseconds");
export const retriesSchema = integerIn(0, 20);
export const maxConnectionsSchema = integerIn(1, 1_000);
export const booleanSchema = z.boolean({ error: orRequired("must be true or false") });

/** A PEM-encoded certificate, key or CA bundle. */
export const pemSchema = z
  .string({ error: orRequired("must be a PEM string") })
  .min(1, { error: "must not be empty (leave it out instead)" });

/** The TLS fields that hold PEM text, and the file field each one has. */
export type PemField = "ca" | "cert" | "key";
export const PEM_FILE_FIELD = { ca: "caFile", cert: "certFile", key: "keyFile" } as const;

/** The labels of the PEM blocks in `text` (`CERTIFICATE`, `PRIVATE KEY`, `EC PRIVATE KEY`…). */
function pemLabels(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1] ?? "");
}

/**
 * What is wrong with `text` as the content of TLS field `field` (PEM given where it does not
 * belong, or something that is not PEM at all), or undefined. The message names where it goes;
 * it never quotes the text (a key is a secret). Shared by the config schema (PEM text) and the
 * Node transport (the contents of `caFile`, `certFile`, `keyFile`).
 */
export function pemProblem(field: PemField, text: string): string | undefined {
  const labels = pemLabels(text);
  if (labels.length === 0) {
    const example = field === "key" ? "PRIVATE KEY" : "CERTIFICATE";
    return `must be PEM text (-----BEGIN ${example}-----…); to read a file, give its path as tls.${PEM_FILE_FIELD[field]}`;
  }
  const keys = labels.filter((label) => label.endsWith("PRIVATE KEY"));
  const certificates = labels.filter((label) => label.endsWith("CERTIFICATE"));
  if (field === "key") {
    if (keys.length === 0) {
      return certificates.length > 0
        ? "holds a certificate, not a private key: the client certificate goes in tls.cert, a CA certificate in tls.ca"
        : "holds no private key (-----BEGIN PRIVATE KEY-----…)";
    }
    return undefined;
  }
  if (keys.length > 0) {
    return "holds a private key, not a certificate: the key goes in tls.key (and must never be shared as a CA)";
  }
  if (certificates.length === 0) return "holds no certificate (-----BEGIN CERTIFICATE-----…)";
  return undefined;
}

/** A PEM field (`tls.ca`, `tls.cert`, `tls.key`): PEM text of the right kind. */
export function pemTextSchema(field: PemField) {
  return pemSchema.superRefine((text, ctx) => {
    const problem = pemProblem(field, text);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A file path (`tls.caFile`, …): read by the Node transport; PEM text here is a mistake. */
export function pemFileSchema(field: PemField) {
  return z
    .string({ error: orRequired("must be a file path") })
    .min(1, { error: "must not be empty (leave it out instead)" })
    .superRefine((path, ctx) => {
      if (path.includes("-----BEGIN")) {
        ctx.addIssue({
          code: "custom",
          message: `is PEM text, not a file path: give PEM text as tls.${field}`,
        });
      } else if (CONTROL_CHARS.test(path)) {
        ctx.addIssue({ code: "custom", message: "must be a file path (no control characters)" });
      }
    });
}

/** One `{ host, port }` address of a Sentinel or a Cluster node. */
export const hostPortSchema = z.strictObject(
  {
    host: hostSchema,
    port: portSchema,
  },
  { error: orRequired("must be an object { host, port }") },
);

/** Most replicas a durable write can wait for: more than any real deployment has. */
export const MAX_DURABLE_REPLICAS = 64;

/**
 * Durable writes: after a write, `WAIT replicas timeoutMs` on the same connection, and a
 * `DurabilityError` when fewer replicas acknowledged it in time. `timeoutMs` must be > 0:
 * `WAIT n 0` would block forever on a replica that never comes back.
 */
export const durableWritesSchema = z.strictObject(
  {
    /** How many replicas must have the write before the call succeeds. */
    replicas: integerIn(1, MAX_DURABLE_REPLICAS, "a whole number of replicas"),
    /** How long WAIT waits for them, in ms. */
    timeoutMs: integerIn(1, MAX_TIMER_MS, "a whole number of milliseconds"),
  },
  { error: orRequired("must be an object { replicas, timeoutMs }") },
);

/** `{ replicas, timeoutMs }`: how many replicas must acknowledge a write, and how long to wait. */
export type DurableWrites = z.output<typeof durableWritesSchema>;

/** The keep-alive idle time when none is given (ioredis' and redge's default so far). */
export const DEFAULT_KEEP_ALIVE_IDLE_MS = 10_000;

/**
 * TCP keep-alive of the connections to Redis (the seeds' `socket_keepalive`, `socket_keep_idle`,
 * `socket_keep_alive` / interval, `socket_keep_cnt`): `false` turns it off, `true` keeps the
 * default (probes after 10 s idle), an object sets the idle time and, where Node can set them,
 * the probe interval and count. Times are whole seconds at the socket (Node rounds down).
 */
export const keepAliveSchema = z.union(
  [
    booleanSchema,
    z.strictObject({
      /** Idle time before the first probe, in ms (≥ 1000). Default 10000. */
      idleMs: integerIn(1_000, MAX_TIMER_MS, "a whole number of milliseconds").optional(),
      /** Time between probes, in ms (≥ 1000). Needs a Node that can set it. */
      intervalMs: integerIn(1_000, MAX_TIMER_MS, "a whole number of milliseconds").optional(),
      /** Unanswered probes before the connection is dropped, 1 to 127. Needs a Node that can. */
      count: integerIn(1, 127, "a whole number of probes").optional(),
    }),
  ],
  { error: "must be true, false or { idleMs, intervalMs, count }" },
);
