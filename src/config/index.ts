/**
 * One zod-validated config for every way to reach Redis: REST (Upstash protocol), TCP by URL or
 * by fields, TLS, Sentinel, Cluster. Edge-safe: no `node:*`, no `process`, no `Buffer`.
 *
 * - `parseConfig(input)`: any supported shape in, the normalized `RedgeConfig` out.
 * - `configFromEnv(env, overrides?)`: from `process.env` or a Workers `env`.
 * - `redgeConfig()…build()`: the fluent builder.
 */
export { RedgeConfigBuilder, redgeConfig } from "./builder.js";
export {
  configFromEnv,
  ENV_VARIABLES,
  type EnvSource,
  type EnvVariable,
  splitList,
} from "./env.js";
export type { ConfigIssue } from "./issues.js";
export {
  type ConfigParseResult,
  isRestConfig,
  isTcpConfig,
  parseConfig,
  safeParseConfig,
} from "./parse.js";
export { REDACTED, redactConfig } from "./redact.js";
export {
  type ClusterConfig,
  type ClusterInput,
  CONFIG_DEFAULTS,
  clusterConfigSchema,
  type DurableWrites,
  type HostPort,
  type KeepAliveConfig,
  normalizedConfigSchema,
  type RedgeConfig,
  type RedgeConfigInput,
  type RestConfig,
  type RetryConfig,
  type RetryInput,
  redgeConfigInputSchema,
  redgeConfigSchema,
  restConfigSchema,
  type SentinelConfig,
  type SentinelInput,
  type StandaloneConfig,
  sentinelConfigSchema,
  standaloneConfigSchema,
  type TcpConfig,
  type TlsConfig,
  type TlsInput,
  tcpConfigSchema,
  tlsConfigSchema,
} from "./schema.js";
