import { ConfigError } from "../core/errors.js";
import { type ConfigIssue, collectSecrets, flattenIssues, scrubIssues } from "./issues.js";
import { protectConfig } from "./redact.js";
import {
  normalizedConfigSchema,
  type RedgeConfig,
  type RestConfig,
  redgeConfigSchema,
  type TcpConfig,
} from "./schema.js";

export type ConfigParseResult =
  | { ok: true; config: RedgeConfig }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Like `parseConfig`, but returns the issues instead of throwing: `{ ok: true, config }` or
 * `{ ok: false, issues }` (every bad field, dotted paths, no secrets in messages).
 */
export function safeParseConfig(input: unknown): ConfigParseResult {
  // An already-normalized config (it has `kind`) is checked as such, so parsing twice is harmless.
  const normalized = typeof input === "object" && input !== null && "kind" in input;
  const result = normalized
    ? normalizedConfigSchema.safeParse(input)
    : redgeConfigSchema.safeParse(input);
  if (result.success) return { ok: true, config: protectConfig(result.data) };
  return {
    ok: false,
    issues: scrubIssues(flattenIssues(result.error.issues), collectSecrets(input)),
  };
}

/**
 * Validates any supported config shape and returns the normalized config, with every default
 * filled in and secrets hidden from `String()`, `JSON.stringify` and `console.log`.
 *
 * @throws ConfigError listing every bad field at once (never a ZodError, never a secret).
 *
 * @example
 * parseConfig({ url: "rediss://default:pw@redis.example.com:6380/1" });
 * // → { kind: "tcp", mode: "standalone", host: "redis.example.com", port: 6380, db: 1, … }
 * parseConfig({ url: "https://eu1-x.upstash.io", token: "…" });
 * // → { kind: "rest", url: "https://eu1-x.upstash.io", token: "…", … }
 */
export function parseConfig(input: unknown): RedgeConfig {
  const result = safeParseConfig(input);
  if (!result.ok) throw new ConfigError(result.issues);
  return result.config;
}

/** Whether the config uses the Upstash REST protocol (edge-safe, over fetch). */
export function isRestConfig(config: RedgeConfig): config is RestConfig {
  return config.kind === "rest";
}

/** Whether the config needs a TCP connection (Node only: standalone, Sentinel or Cluster). */
export function isTcpConfig(config: RedgeConfig): config is TcpConfig {
  return config.kind === "tcp";
}
