/**
 * Config from environment variables: `process.env` in Node, the `env` object in Workers (whose
 * non-string bindings, such as KV namespaces, are ignored). Nothing here reads `process` itself.
 */
import { ConfigError } from "../core/errors.js";
import type { ConfigIssue } from "./issues.js";
import { safeParseConfig } from "./parse.js";
import type { RedgeConfig, RedgeConfigInput } from "./schema.js";
import { DEFAULT_REDIS_PORT, DEFAULT_SENTINEL_PORT, parseHostPort } from "./url.js";

/**
 * The variables `configFromEnv` reads, and what each one sets.
 *
 * Which way of reaching Redis wins when several are set:
 * 1. `REDIS_SENTINELS` (Sentinel) or `REDIS_CLUSTER_NODES` (Cluster): these name a topology on
 *    purpose and cannot be said any other way; setting both is an error.
 * 2. else `UPSTASH_REDIS_REST_URL` + `UPSTASH_REDIS_REST_TOKEN` (or `KV_REST_API_URL` +
 *    `KV_REST_API_TOKEN`): REST works in every runtime, edge and Node alike, so one environment
 *    serves both; platforms (Upstash, Vercel) often inject a `REDIS_URL` next to the REST pair,
 *    and REST is the one the edge build can use.
 * 3. else `REDIS_URL` (TCP).
 * A REST pair with only one half set is always an error, not a silent fall back to `REDIS_URL`.
 */
export const ENV_VARIABLES = {
  UPSTASH_REDIS_REST_URL: "REST endpoint (https://…); needs UPSTASH_REDIS_REST_TOKEN",
  UPSTASH_REDIS_REST_TOKEN: "REST token",
  KV_REST_API_URL: "REST endpoint, read when UPSTASH_REDIS_REST_* are unset (Vercel KV)",
  KV_REST_API_TOKEN: "REST token, read with KV_REST_API_URL",
  REDIS_URL: "redis:// or rediss:// URL (TCP)",
  REDIS_PASSWORD: "password of the data nodes (TCP, Sentinel, Cluster)",
  REDIS_SENTINELS:
    "host:port,host:port of the Sentinels ([::1]:26379 for IPv6; port 26379 if left out)",
  REDIS_SENTINEL_MASTER: "the master's name as the Sentinels know it",
  REDIS_SENTINEL_PASSWORD: "password of the Sentinels themselves",
  REDIS_CLUSTER_NODES: "host:port,host:port of Cluster seed nodes (port 6379 if left out)",
  REDIS_KEY_PREFIX: "keyPrefix",
  REDIS_CONNECT_TIMEOUT_MS: "connectTimeoutMs",
  REDIS_COMMAND_TIMEOUT_MS: "commandTimeoutMs",
  REDIS_MAX_CONNECTIONS: "maxConnections",
  REDIS_RETRIES: "retry.retries",
} as const;

export type EnvVariable = keyof typeof ENV_VARIABLES;

/** `process.env`, a Workers `env` object, or any object of variables. */
export type EnvSource = Readonly<Record<string, string | undefined>> | object;

const NOTHING_SET =
  "no Redis configured: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (or KV_REST_API_URL " +
  "and KV_REST_API_TOKEN), REDIS_URL, REDIS_SENTINELS with REDIS_SENTINEL_MASTER, or REDIS_CLUSTER_NODES";

const NUMERIC: [EnvVariable, string[]][] = [
  ["REDIS_CONNECT_TIMEOUT_MS", ["connectTimeoutMs"]],
  ["REDIS_COMMAND_TIMEOUT_MS", ["commandTimeoutMs"]],
  ["REDIS_MAX_CONNECTIONS", ["maxConnections"]],
  ["REDIS_RETRIES", ["retry", "retries"]],
];

/**
 * Builds the config from environment variables (see `ENV_VARIABLES` for the names and which
 * wins), then applies `overrides` on top (`retry` is merged field by field).
 *
 * Empty strings count as unset; values are trimmed. Issues name the variable they come from
 * (`REDIS_COMMAND_TIMEOUT_MS: must be …`), and every one is reported in one `ConfigError`.
 *
 * @example
 * // Node
 * const config = configFromEnv(process.env, { keyPrefix: "app:" });
 * // Cloudflare Workers
 * export default { fetch: (req, env) => { const config = configFromEnv(env); … } };
 */
export function configFromEnv(env: EnvSource, overrides: RedgeConfigInput = {}): RedgeConfig {
  const fromEnv = readEnv(env);
  const issues = [...fromEnv.issues];
  const origins = fromEnv.origins;
  const input = mergeOverrides(fromEnv.input, overrides, origins);

  const hasTarget = ["url", "host", "sentinel", "cluster"].some((key) => input[key] !== undefined);
  if (!hasTarget && !fromEnv.targetReported) issues.push({ path: "", message: NOTHING_SET });

  const result = safeParseConfig(input);
  if (result.ok && issues.length === 0) return result.config;
  if (!result.ok) {
    for (const issue of result.issues) {
      // The env's own "nothing set" message (or the half REST pair) says it better.
      if (issue.path === "" && !hasTarget) continue;
      issues.push(attribute(issue, origins));
    }
  }
  throw new ConfigError(issues);
}

interface EnvReading {
  input: Record<string, unknown>;
  issues: ConfigIssue[];
  /** Input path ("retry.retries") → the variable it came from. */
  origins: Map<string, EnvVariable>;
  /** Why there is no connection is already reported (half a REST pair…): "nothing set" would be noise. */
  targetReported: boolean;
}

function readEnv(env: EnvSource): EnvReading {
  const vars = env as Readonly<Record<string, unknown>>;
  const read = (name: EnvVariable): string | undefined => {
    const value = vars[name];
    if (typeof value !== "string") return undefined; // Workers bindings, unset variables
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
  };
  const input: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  const origins = new Map<string, EnvVariable>();
  const set = (path: string[], value: unknown, from: EnvVariable) => {
    let target = input;
    for (const key of path.slice(0, -1)) {
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1] ?? ""] = value;
    origins.set(path.join("."), from);
  };

  const rest = readRestPair(read, issues);
  let targetReported = rest.half;
  const sentinels = read("REDIS_SENTINELS");
  const clusterNodes = read("REDIS_CLUSTER_NODES");
  const password = read("REDIS_PASSWORD");

  if (sentinels !== undefined || clusterNodes !== undefined) {
    if (sentinels !== undefined) {
      set(
        ["sentinel", "sentinels"],
        parseList(sentinels, "REDIS_SENTINELS", DEFAULT_SENTINEL_PORT, issues),
        "REDIS_SENTINELS",
      );
      const master = read("REDIS_SENTINEL_MASTER");
      if (master === undefined) {
        issues.push({ path: "REDIS_SENTINEL_MASTER", message: "is required with REDIS_SENTINELS" });
        set(["sentinel", "masterName"], "-", "REDIS_SENTINEL_MASTER"); // placeholder; reported above
      } else {
        set(["sentinel", "masterName"], master, "REDIS_SENTINEL_MASTER");
      }
      const sentinelPassword = read("REDIS_SENTINEL_PASSWORD");
      if (sentinelPassword !== undefined) {
        set(["sentinel", "sentinelPassword"], sentinelPassword, "REDIS_SENTINEL_PASSWORD");
      }
    }
    if (clusterNodes !== undefined) {
      set(
        ["cluster", "nodes"],
        parseList(clusterNodes, "REDIS_CLUSTER_NODES", DEFAULT_REDIS_PORT, issues),
        "REDIS_CLUSTER_NODES",
      );
    }
    if (password !== undefined) set(["password"], password, "REDIS_PASSWORD");
  } else if (rest.complete) {
    set(["url"], rest.url, rest.urlVariable);
    set(["token"], rest.token, rest.tokenVariable);
  } else {
    const url = read("REDIS_URL");
    if (url !== undefined && /^https?:/i.test(url)) {
      issues.push({
        path: "REDIS_URL",
        message:
          "is an http(s):// REST url; set it as UPSTASH_REDIS_REST_URL with UPSTASH_REDIS_REST_TOKEN",
      });
      targetReported = true;
    } else if (url !== undefined) {
      set(["url"], url, "REDIS_URL");
      if (password !== undefined) set(["password"], password, "REDIS_PASSWORD");
    }
  }
  if (sentinels === undefined) {
    for (const name of ["REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD"] as const) {
      if (read(name) !== undefined) {
        issues.push({ path: "REDIS_SENTINELS", message: `is required when ${name} is set` });
      }
    }
  }

  const keyPrefix = read("REDIS_KEY_PREFIX");
  if (keyPrefix !== undefined) set(["keyPrefix"], keyPrefix, "REDIS_KEY_PREFIX");
  for (const [name, path] of NUMERIC) {
    const text = read(name);
    if (text === undefined) continue;
    if (/^\d{1,15}$/.test(text)) set(path, Number(text), name);
    else issues.push({ path: name, message: "must be a whole number (digits only)" });
  }
  return { input, issues, origins, targetReported };
}

type RestPair =
  | {
      complete: true;
      half: false;
      url: string;
      token: string;
      urlVariable: EnvVariable;
      tokenVariable: EnvVariable;
    }
  | { complete: false; half: boolean };

/** The Upstash pair if either half is set, else the Vercel KV pair. */
function readRestPair(
  read: (name: EnvVariable) => string | undefined,
  issues: ConfigIssue[],
): RestPair {
  const pairs = [
    ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
    ["KV_REST_API_URL", "KV_REST_API_TOKEN"],
  ] as const;
  for (const [urlVariable, tokenVariable] of pairs) {
    const url = read(urlVariable);
    const token = read(tokenVariable);
    if (url !== undefined && token !== undefined) {
      return { complete: true, half: false, url, token, urlVariable, tokenVariable };
    }
    if (url !== undefined) {
      issues.push({ path: tokenVariable, message: `is required when ${urlVariable} is set` });
      return { complete: false, half: true };
    }
    if (token !== undefined) {
      issues.push({ path: urlVariable, message: `is required when ${tokenVariable} is set` });
      return { complete: false, half: true };
    }
  }
  return { complete: false, half: false };
}

/**
 * A comma-separated list, entries trimmed and blanks dropped; a value that is not a string (a
 * Workers binding, unset) is an empty list.
 */
export function splitList(value: unknown): string[] {
  if (typeof value !== "string") return [];
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** `host:port,host:port` → addresses; bad entries become issues naming the variable. */
function parseList(
  text: string,
  name: EnvVariable,
  defaultPort: number,
  issues: ConfigIssue[],
): { host: string; port: number }[] {
  const entries = splitList(text);
  const addresses: { host: string; port: number }[] = [];
  entries.forEach((entry, index) => {
    const result = parseHostPort(entry, defaultPort);
    if (result.ok) addresses.push(result.value);
    else issues.push({ path: name, message: `entry ${index + 1} ${result.message}` });
  });
  return addresses;
}

/**
 * Overrides win over the environment; `retry` is merged field by field. A field an override sets
 * no longer counts as coming from the environment.
 */
function mergeOverrides(
  fromEnv: Record<string, unknown>,
  overrides: RedgeConfigInput,
  origins: Map<string, EnvVariable>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...fromEnv };
  if (typeof overrides !== "object" || overrides === null) return merged;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const envRetry = merged.retry;
    if (key === "retry" && isRecord(value) && isRecord(envRetry)) {
      merged.retry = { ...envRetry, ...value };
      for (const field of Object.keys(value)) origins.delete(`retry.${field}`);
      continue;
    }
    merged[key] = value;
    for (const path of [...origins.keys()]) {
      if (path === key || path.startsWith(`${key}.`)) origins.delete(path);
    }
  }
  return merged;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Renames a schema issue after the variable its field came from, when it came from one. */
function attribute(issue: ConfigIssue, origins: Map<string, EnvVariable>): ConfigIssue {
  const parts = issue.path === "" ? [] : issue.path.split(".");
  for (let length = parts.length; length > 0; length--) {
    const origin = origins.get(parts.slice(0, length).join("."));
    if (origin === undefined) continue;
    const rest = parts
      .slice(length)
      .map((part) => (/^\d+$/.test(part) ? `entry ${Number(part) + 1}` : part));
    return {
      path: origin,
      message: rest.length > 0 ? `${rest.join(" ")}: ${issue.message}` : issue.message,
    };
  }
  // An issue about a whole object (`cluster`) whose fields came from a variable.
  for (const [path, origin] of origins) {
    if (issue.path !== "" && path.startsWith(`${issue.path}.`)) return { ...issue, path: origin };
  }
  return issue;
}
