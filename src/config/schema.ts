/**
 * The config schemas. `redgeConfigInputSchema` accepts every way of describing a Redis to reach
 * (REST URL and token, redis:// URL, host and port, Sentinel, Cluster); `normalizedConfigSchema`
 * is the one shape the transports read; `redgeConfigSchema` turns the first into the second.
 * Types come from these schemas and are not written out a second time.
 */
import * as z from "zod";
import {
  booleanSchema,
  DEFAULT_KEEP_ALIVE_IDLE_MS,
  dbSchema,
  delayMsSchema,
  durableWritesSchema,
  hostPortSchema,
  hostSchema,
  keepAliveSchema,
  keyPrefixSchema,
  maxConnectionsSchema,
  nonEmptyString,
  orRequired,
  pemFileSchema,
  pemTextSchema,
  portSchema,
  retriesSchema,
  timeoutMsSchema,
} from "../core/fields.js";
import { checkCombination, failedUrl, markParsedUrl } from "./rules.js";
import { DEFAULT_REDIS_PORT, type ParsedUrl, parseConnectionUrl } from "./url.js";

/** Defaults of the fields every config shares. */
export const CONFIG_DEFAULTS = {
  keyPrefix: "",
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 5_000,
  retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 2_000, jitter: true },
  maxConnections: 10,
  healthCheckIntervalMs: 30_000,
} as const;

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

const tlsOptionsInputSchema = z.strictObject({
  /** CA certificate(s), PEM text, to trust instead of the system's roots (self-signed servers). */
  ca: pemTextSchema("ca").optional(),
  /** Client certificate, PEM text, for mutual TLS. Needs `key` (or `keyFile`). */
  cert: pemTextSchema("cert").optional(),
  /** Client private key, PEM text, for mutual TLS. Needs `cert`. Secret: redacted when printed. */
  key: pemTextSchema("key").optional(),
  /** Path of the CA file (Node: read when the client is created). Instead of `ca`. */
  caFile: pemFileSchema("ca").optional(),
  /** Path of the client certificate file (Node). Instead of `cert`. */
  certFile: pemFileSchema("cert").optional(),
  /** Path of the client key file (Node). Instead of `key`. */
  keyFile: pemFileSchema("key").optional(),
  /** Passphrase of an encrypted client key. Secret: redacted when printed. */
  passphrase: nonEmptyString("a string").optional(),
  /** Refuse servers whose certificate does not verify. Default `true`; `false` only for tests. */
  rejectUnauthorized: booleanSchema.default(true),
  /** Server name for SNI and certificate checks, when it differs from the host connected to. */
  servername: nonEmptyString("a host name").optional(),
});

/** `true` for TLS with the system's roots, or options; `false` or absent for a plain socket. */
const tlsInputSchema = z.union([booleanSchema, tlsOptionsInputSchema], {
  error:
    "must be true, false or { ca | caFile, cert | certFile, key | keyFile, passphrase, rejectUnauthorized, servername }",
});

const retryInputSchema = z
  .strictObject(
    {
      /** Extra attempts after the first, on transient faults only. Default 3, at most 20. */
      retries: retriesSchema.default(CONFIG_DEFAULTS.retry.retries),
      /** Delay before the first retry, in ms; it doubles each time. Default 100. */
      baseDelayMs: delayMsSchema.default(CONFIG_DEFAULTS.retry.baseDelayMs),
      /** Upper bound of any single delay, in ms. Default 2000. */
      maxDelayMs: delayMsSchema.default(CONFIG_DEFAULTS.retry.maxDelayMs),
      /** Randomize delays so clients do not retry in step. Default `true`. */
      jitter: booleanSchema.default(CONFIG_DEFAULTS.retry.jitter),
    },
    { error: orRequired("must be an object { retries, baseDelayMs, maxDelayMs, jitter }") },
  )
  .prefault({});

const sentinelInputSchema = z.strictObject(
  {
    /** Addresses of the Sentinels to ask for the current master; at least one. */
    sentinels: z
      .array(hostPortSchema, { error: orRequired("must be a list of { host, port }") })
      .min(1, { error: "must list at least one sentinel" }),
    /** The master's name as the Sentinels know it (`sentinel monitor <name> …`), e.g. `mymaster`. */
    masterName: nonEmptyString("the master's name as Sentinel knows it, e.g. mymaster"),
    /** ACL user name for the Sentinels themselves (not the data nodes). Needs `sentinelPassword`. */
    sentinelUsername: nonEmptyString("a string").optional(),
    /** Password for the Sentinels themselves (not the data nodes). Secret: redacted when printed. */
    sentinelPassword: nonEmptyString("a string").optional(),
    /**
     * Send single read-only commands to a replica (over a second connection) instead of the
     * master. Replicas lag: a read may not see a write made just before. Default `false`.
     */
    replicaReads: booleanSchema.optional(),
  },
  { error: orRequired("must be an object { sentinels, masterName }") },
);

const clusterInputSchema = z.strictObject(
  {
    /** Seed nodes; the rest of the cluster is discovered from them. At least one. */
    nodes: z
      .array(hostPortSchema, { error: orRequired("must be a list of { host, port }") })
      .min(1, { error: "must list at least one node" }),
    /** Send read-only commands to replicas (ioredis `scaleReads: "slave"`). Default `false`. */
    replicaReads: booleanSchema.optional(),
  },
  { error: orRequired("must be an object { nodes }") },
);

const urlInputSchema = z
  .string({ error: orRequired("must be a string") })
  .transform((text, ctx): ParsedUrl => {
    const result = parseConnectionUrl(text);
    if (result.ok) return markParsedUrl(result.value);
    ctx.addIssue({ code: "custom", message: result.message });
    // The parse has failed; the marker only lets the cross-field rules see the url's scheme.
    return failedUrl(text) as ParsedUrl;
  });

/**
 * What `parseConfig`, `configFromEnv`'s overrides and the builder accept. Give one of:
 * - REST: `url` (`https://…` or `http://…`) and `token`;
 * - TCP by URL: `url` (`redis://[user[:password]@]host[:port][/db]`, `rediss://` for TLS);
 * - TCP by fields: `host` (and `port`, `db`, `username`, `password`, `tls`);
 * - Sentinel: `sentinel` (and `db`, `username`, `password`, `tls` for the data nodes);
 * - Cluster: `cluster` (and `username`, `password`, `tls`);
 * plus any of the common fields (`keyPrefix`, timeouts, `retry`, `maxConnections`,
 * `healthCheckIntervalMs`). Unknown fields are rejected, so a typo does not go unnoticed.
 */
export const redgeConfigInputSchema = z
  .strictObject(
    {
      /**
       * Where Redis is: `https://…`/`http://…` for the Upstash REST protocol (needs `token`), or
       * `redis://[user[:password]@]host[:port][/db]` / `rediss://…` (TLS) for TCP. User name and
       * password are percent-decoded; port defaults to 6379, db to 0.
       */
      url: urlInputSchema.optional(),
      /** Bearer token of the REST endpoint. Only with an `http(s)://` url. Secret. */
      token: nonEmptyString("a string").optional(),
      /** Host name or IP address of a standalone Redis (IPv6 with or without brackets). */
      host: hostSchema.optional(),
      /** TCP port of a standalone Redis. Default 6379. */
      port: portSchema.optional(),
      /** Logical database (`SELECT`). Default 0. Not with cluster (it only has database 0). */
      db: dbSchema.optional(),
      /** ACL user name of the data nodes. Needs `password`. */
      username: nonEmptyString("a string").optional(),
      /** Password of the data nodes (`AUTH`). Secret: redacted when printed. */
      password: nonEmptyString("a string").optional(),
      /** TLS for TCP: `true`, or options. A `rediss://` url turns it on by itself. */
      tls: tlsInputSchema.optional(),
      /** Reach the master through Redis Sentinel. */
      sentinel: sentinelInputSchema.optional(),
      /** Talk to a Redis Cluster. */
      cluster: clusterInputSchema.optional(),
      /**
       * Put in front of every key a capability builds (not raw commands); subjects put it after
       * `s:`, where KRules puts its prefix. At most 128 characters, no `{`, `}` or control
       * characters. Default `""`.
       */
      keyPrefix: keyPrefixSchema.optional(),
      /** How long to wait for a TCP connection (and TLS handshake), in ms. Default 10000. */
      connectTimeoutMs: timeoutMsSchema.default(CONFIG_DEFAULTS.connectTimeoutMs),
      /** Default deadline of one call, retries included, in ms. Default 5000. */
      commandTimeoutMs: timeoutMsSchema.default(CONFIG_DEFAULTS.commandTimeoutMs),
      /** Exponential backoff on transient faults. Defaults: 3 retries, 100 ms doubling to 2000 ms, jitter on. */
      retry: retryInputSchema,
      /** Most connections (TCP) or concurrent requests (REST) at once, 1 to 1000. Default 10. */
      maxConnections: maxConnectionsSchema.default(CONFIG_DEFAULTS.maxConnections),
      /**
       * TCP keep-alive (TCP only): `false` off, `true` the default (first probe after 10 s
       * idle), or `{ idleMs, intervalMs, count }`.
       */
      keepAlive: keepAliveSchema.optional(),
      /** How often a background PING checks the link, in ms; 0 turns it off. Default 30000. */
      healthCheckIntervalMs: delayMsSchema.default(CONFIG_DEFAULTS.healthCheckIntervalMs),
      /**
       * Durable writes (TCP only): after every write, wait until `replicas` replicas have it
       * (`WAIT`), at most `timeoutMs`; fewer acknowledgements reject with a `DurabilityError`.
       * Off by default; a call can turn it off or on with its own `durable` option.
       */
      durableWrites: durableWritesSchema.optional(),
    },
    { error: orRequired("must be an object") },
  )
  // `when`: run the cross-field rules even when single fields failed, to report everything at once.
  .superRefine(
    (value, ctx) =>
      checkCombination(value, (path, message) => ctx.addIssue({ code: "custom", path, message })),
    { when: () => true },
  );

// ---------------------------------------------------------------------------------------------
// Normalized output: what the transports read
// ---------------------------------------------------------------------------------------------

/** TLS settings of a TCP connection, normalized. Files are read by the Node transport. */
export const tlsConfigSchema = z.object({
  ca: pemTextSchema("ca").optional(),
  cert: pemTextSchema("cert").optional(),
  /** Secret: redacted when printed. */
  key: pemTextSchema("key").optional(),
  caFile: pemFileSchema("ca").optional(),
  certFile: pemFileSchema("cert").optional(),
  keyFile: pemFileSchema("key").optional(),
  /** Secret: redacted when printed. */
  passphrase: nonEmptyString("a string").optional(),
  rejectUnauthorized: booleanSchema,
  servername: nonEmptyString("a host name").optional(),
});

export const retryConfigSchema = z.object({
  retries: retriesSchema,
  baseDelayMs: delayMsSchema,
  maxDelayMs: delayMsSchema,
  jitter: booleanSchema,
});

const commonShape = {
  /** Put in front of every key a capability builds; `""` when unset. */
  keyPrefix: keyPrefixSchema,
  /** TCP connect (and TLS handshake) timeout in ms. Default 10000. */
  connectTimeoutMs: timeoutMsSchema,
  /** Default deadline of one call, retries included, in ms. Default 5000. */
  commandTimeoutMs: timeoutMsSchema,
  /** Backoff on transient faults. */
  retry: retryConfigSchema,
  /** Most connections (TCP) or concurrent requests (REST) at once. Default 10. */
  maxConnections: maxConnectionsSchema,
  /** Background PING interval in ms; 0 = off. Default 30000. */
  healthCheckIntervalMs: delayMsSchema,
  /** WAIT for this many replicas after each write; absent = off. */
  durableWrites: durableWritesSchema.optional(),
};

/** Normalized keep-alive: off, or the idle time and, if given, interval and count. */
export const keepAliveConfigSchema = z.union([
  z.literal(false),
  z.object({
    idleMs: z.number().int().min(1_000),
    intervalMs: z.number().int().min(1_000).optional(),
    count: z.number().int().min(1).max(127).optional(),
  }),
]);

/** Credentials and TLS of the data nodes, shared by the three TCP modes. */
const dataNodeShape = {
  /** ACL user name. */
  username: nonEmptyString("a string").optional(),
  /** `AUTH` password. Secret: redacted when printed. */
  password: nonEmptyString("a string").optional(),
  /** Present when TLS is on. */
  tls: tlsConfigSchema.optional(),
  /** TCP keep-alive; absent = the default (probes after 10 s idle). */
  keepAlive: keepAliveConfigSchema.optional(),
};

/** The Upstash REST protocol over fetch: edge-safe. */
export const restConfigSchema = z.object({
  kind: z.literal("rest"),
  /** REST endpoint, without a trailing slash. */
  url: z.string().min(1),
  /** Bearer token. Secret: redacted when printed. */
  token: nonEmptyString("a string"),
  ...commonShape,
});

/** One Redis server over TCP. */
export const standaloneConfigSchema = z.object({
  kind: z.literal("tcp"),
  mode: z.literal("standalone"),
  host: hostSchema,
  port: portSchema,
  db: dbSchema,
  ...dataNodeShape,
  ...commonShape,
});

/** The current master, as Redis Sentinel reports it. */
export const sentinelConfigSchema = z.object({
  kind: z.literal("tcp"),
  mode: z.literal("sentinel"),
  sentinels: z.array(hostPortSchema).min(1),
  masterName: nonEmptyString("a string"),
  sentinelUsername: nonEmptyString("a string").optional(),
  /** Secret: redacted when printed. */
  sentinelPassword: nonEmptyString("a string").optional(),
  /** Single read-only commands go to a replica; absent = off. */
  replicaReads: booleanSchema.optional(),
  db: dbSchema,
  ...dataNodeShape,
  ...commonShape,
});

/** A Redis Cluster, discovered from seed nodes. */
export const clusterConfigSchema = z.object({
  kind: z.literal("tcp"),
  mode: z.literal("cluster"),
  nodes: z.array(hostPortSchema).min(1),
  /** Read-only commands go to replicas; absent = off. */
  replicaReads: booleanSchema.optional(),
  ...dataNodeShape,
  ...commonShape,
});

export const tcpConfigSchema = z.discriminatedUnion("mode", [
  standaloneConfigSchema,
  sentinelConfigSchema,
  clusterConfigSchema,
]);

/** The normalized config: every default filled in, one shape per way of reaching Redis. */
export const normalizedConfigSchema = z.discriminatedUnion("kind", [
  restConfigSchema,
  tcpConfigSchema,
]);

// ---------------------------------------------------------------------------------------------
// Input -> normalized
// ---------------------------------------------------------------------------------------------

type CheckedInput = z.output<typeof redgeConfigInputSchema>;
type Normalized = z.input<typeof normalizedConfigSchema>;

function normalize(input: CheckedInput): Normalized {
  const common = {
    keyPrefix: input.keyPrefix ?? CONFIG_DEFAULTS.keyPrefix,
    connectTimeoutMs: input.connectTimeoutMs,
    commandTimeoutMs: input.commandTimeoutMs,
    retry: input.retry,
    maxConnections: input.maxConnections,
    healthCheckIntervalMs: input.healthCheckIntervalMs,
    ...(input.durableWrites !== undefined ? { durableWrites: input.durableWrites } : {}),
  };
  const url = input.url;
  if (url?.kind === "rest") {
    // The rules guarantee a token with a REST url.
    return { kind: "rest", url: url.url, token: input.token ?? "", ...common };
  }
  const fromUrl = url?.kind === "tcp" ? url : undefined;
  const username = input.username ?? fromUrl?.username;
  const password = input.password ?? fromUrl?.password;
  const tls = normalizeTls(input.tls, fromUrl?.tls ?? false);
  const keepAlive = normalizeKeepAlive(input.keepAlive);
  const dataNode = {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(keepAlive !== undefined ? { keepAlive } : {}),
  };
  if (input.sentinel) {
    const { sentinels, masterName, sentinelUsername, sentinelPassword } = input.sentinel;
    return {
      kind: "tcp",
      mode: "sentinel",
      sentinels,
      masterName,
      ...(input.sentinel.replicaReads ? { replicaReads: true } : {}),
      ...(sentinelUsername !== undefined ? { sentinelUsername } : {}),
      ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
      db: input.db ?? 0,
      ...dataNode,
      ...common,
    };
  }
  if (input.cluster) {
    const { nodes, replicaReads } = input.cluster;
    const reads = replicaReads ? { replicaReads: true } : {};
    return { kind: "tcp", mode: "cluster", nodes, ...reads, ...dataNode, ...common };
  }
  return {
    kind: "tcp",
    mode: "standalone",
    // The rules guarantee a host when there is no url, sentinel or cluster.
    host: fromUrl?.host ?? input.host ?? "",
    port: fromUrl?.port ?? input.port ?? DEFAULT_REDIS_PORT,
    db: input.db ?? fromUrl?.db ?? 0,
    ...dataNode,
    ...common,
  };
}

function normalizeKeepAlive(
  keepAlive: CheckedInput["keepAlive"],
): z.input<typeof keepAliveConfigSchema> | undefined {
  if (keepAlive === undefined || keepAlive === true) return undefined;
  if (keepAlive === false) return false;
  return {
    idleMs: keepAlive.idleMs ?? DEFAULT_KEEP_ALIVE_IDLE_MS,
    ...(keepAlive.intervalMs !== undefined ? { intervalMs: keepAlive.intervalMs } : {}),
    ...(keepAlive.count !== undefined ? { count: keepAlive.count } : {}),
  };
}

function normalizeTls(
  tls: CheckedInput["tls"],
  urlWantsTls: boolean,
): z.input<typeof tlsConfigSchema> | undefined {
  if (typeof tls === "object") {
    const { rejectUnauthorized, ...rest } = tls;
    // Only the fields given: an absent one stays absent (not `undefined`).
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    return { ...given, rejectUnauthorized };
  }
  if (tls === true || (tls === undefined && urlWantsTls)) return { rejectUnauthorized: true };
  return undefined;
}

/** Input in, normalized config out: the whole of config validation in one schema. */
export const redgeConfigSchema = redgeConfigInputSchema
  .transform(normalize)
  .pipe(normalizedConfigSchema);

/** Everything `parseConfig` accepts (see `redgeConfigInputSchema`). */
export type RedgeConfigInput = z.input<typeof redgeConfigInputSchema>;
/** The normalized config the transports read. */
export type RedgeConfig = z.output<typeof redgeConfigSchema>;
export type RestConfig = z.output<typeof restConfigSchema>;
export type TcpConfig = z.output<typeof tcpConfigSchema>;
export type StandaloneConfig = z.output<typeof standaloneConfigSchema>;
export type SentinelConfig = z.output<typeof sentinelConfigSchema>;
export type ClusterConfig = z.output<typeof clusterConfigSchema>;
export type TlsConfig = z.output<typeof tlsConfigSchema>;
export type RetryConfig = z.output<typeof retryConfigSchema>;
export type KeepAliveConfig = z.output<typeof keepAliveConfigSchema>;
export type TlsInput = z.input<typeof tlsInputSchema>;
export type RetryInput = z.input<typeof retryInputSchema>;
export type SentinelInput = z.input<typeof sentinelInputSchema>;
export type ClusterInput = z.input<typeof clusterInputSchema>;
/** A `{ host, port }` address of a Sentinel or Cluster node. */
export type HostPort = z.output<typeof hostPortSchema>;
export type { DurableWrites } from "../core/fields.js";
