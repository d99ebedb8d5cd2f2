/**
 * Keeps a parsed config's secrets out of logs. The fields stay plain properties (the transports
 * read `config.password`), but `String(config)`, `JSON.stringify(config)`, Node's `util.inspect`
 * / `console.log` and Deno's `Deno.inspect` all see a copy with every secret replaced by `***`.
 *
 * The methods are non-enumerable, so they do not show up in `Object.keys` or equality checks.
 * A spread copy (`{ ...config }`) is a plain object again and loses this protection.
 */
import type { RedgeConfig, TlsConfig } from "./schema.js";

export const REDACTED = "***";

/** Node's `util.inspect` looks this symbol up on every object it prints (no import needed). */
const NODE_INSPECT = Symbol.for("nodejs.util.inspect.custom");
const DENO_INSPECT = Symbol.for("Deno.customInspect");

/** A plain copy of the config with passwords, tokens and the TLS key replaced by `***`. */
export function redactConfig(config: RedgeConfig): RedgeConfig {
  const copy: Record<string, unknown> = { ...config };
  for (const field of ["password", "token", "sentinelPassword"]) {
    if (copy[field] !== undefined) copy[field] = REDACTED;
  }
  if (config.kind === "tcp" && config.tls) copy.tls = redactTls(config.tls);
  // Copy the arrays and the retry object too, so the copy shares nothing with the config.
  copy.retry = { ...config.retry };
  if (config.kind === "tcp" && config.mode === "sentinel") {
    copy.sentinels = config.sentinels.map((s) => ({ ...s }));
  }
  if (config.kind === "tcp" && config.mode === "cluster") {
    copy.nodes = config.nodes.map((n) => ({ ...n }));
  }
  return copy as RedgeConfig;
}

function redactTls(tls: TlsConfig): TlsConfig {
  const copy = { ...tls };
  if (copy.key !== undefined) copy.key = REDACTED;
  if (copy.passphrase !== undefined) copy.passphrase = REDACTED;
  return copy;
}

/**
 * Gives `config` (and its `tls` object) non-enumerable `toJSON`, `toString` and inspect hooks
 * that print the redacted copy. Returns the same object.
 */
export function protectConfig<T extends RedgeConfig>(config: T): T {
  hide(config, "RedgeConfig", () => redactConfig(config));
  if (config.kind === "tcp" && config.tls) {
    const tls = config.tls;
    hide(tls, "TlsConfig", () => redactTls(tls));
  }
  return config;
}

function hide(target: object, label: string, redacted: () => object): void {
  const hook = { configurable: true, enumerable: false, writable: true };
  Object.defineProperties(target, {
    toJSON: { ...hook, value: redacted },
    toString: { ...hook, value: () => `${label} ${JSON.stringify(redacted())}` },
    [NODE_INSPECT]: { ...hook, value: redacted },
    [DENO_INSPECT]: { ...hook, value: () => `${label} ${JSON.stringify(redacted())}` },
  });
}
