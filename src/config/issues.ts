/**
 * Turns zod issues into `ConfigError` issues: one `{ path, message }` per bad field, with a dotted
 * path (`sentinel.sentinels.0.port`), and no secret in any message.
 */
import type * as z from "zod";

export interface ConfigIssue {
  /** Dotted path of the field (`retry.retries`), or an environment variable's name; "" for the whole. */
  path: string;
  message: string;
}

type ZodIssue = z.core.$ZodIssue;
type PathPart = PropertyKey;

/** Every option name the input knows, for "did you mean" hints on unknown keys. */
const KNOWN_OPTIONS = [
  "url",
  "token",
  "host",
  "port",
  "db",
  "username",
  "password",
  "tls",
  "sentinel",
  "cluster",
  "keyPrefix",
  "connectTimeoutMs",
  "commandTimeoutMs",
  "retry",
  "maxConnections",
  "healthCheckIntervalMs",
  "ca",
  "cert",
  "key",
  "caFile",
  "certFile",
  "keyFile",
  "passphrase",
  "rejectUnauthorized",
  "servername",
  "retries",
  "baseDelayMs",
  "maxDelayMs",
  "jitter",
  "sentinels",
  "masterName",
  "sentinelUsername",
  "sentinelPassword",
  "nodes",
  "keepAlive",
  "idleMs",
  "intervalMs",
  "count",
];

export function flattenIssues(issues: readonly ZodIssue[], prefix: PathPart[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        out.push({ path: formatPath([...path, key]), message: unknownKey(key) });
    } else if (issue.code === "invalid_union") {
      // A union (tls: boolean | options) says only "Invalid input"; when one branch got past the
      // type check, its issues are the useful ones.
      const branch = issue.errors.find((branchIssues) =>
        branchIssues.some((i) => !(i.code === "invalid_type" && i.path.length === 0)),
      );
      if (branch) out.push(...flattenIssues(branch, path));
      else out.push({ path: formatPath(path), message: issue.message });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return dedupe(out);
}

export function formatPath(path: readonly PathPart[]): string {
  return path.map((part) => String(part)).join(".");
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const id = `${issue.path}\u0000${issue.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function unknownKey(key: string): string {
  const guess = KNOWN_OPTIONS.map((name) => ({ name, distance: editDistance(key, name) }))
    .filter(({ distance }) => distance <= 2)
    .sort((a, b) => a.distance - b.distance)[0];
  return guess ? `is not a known option (did you mean ${guess.name}?)` : "is not a known option";
}

/** Levenshtein distance, case-insensitive; names are short, so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/** Secrets shorter than this are not scrubbed from messages: "abc" would mangle ordinary words. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Every secret the raw input holds, whatever its shape: passwords, tokens, TLS keys and URLs
 * with credentials. Messages are written never to quote input; this is the second line.
 */
export function collectSecrets(input: unknown): string[] {
  const secrets: string[] = [];
  const visit = (value: unknown, key: string | undefined, depth: number) => {
    if (depth > 4) return;
    if (typeof value === "string") {
      if (key !== undefined && /password|token|secret|passphrase|^key$/i.test(key)) {
        secrets.push(value);
      }
      if (/:\/\/[^/@\s]*@/.test(value)) {
        secrets.push(value);
        const userinfo = /:\/\/([^/@\s]*)@/.exec(value)?.[1] ?? "";
        // Only the part after ':' is a password; a bare user name is not echoed anyway.
        const password = userinfo.includes(":") ? userinfo.slice(userinfo.indexOf(":") + 1) : "";
        secrets.push(password);
        try {
          secrets.push(decodeURIComponent(password));
        } catch {
          // Malformed encoding: the raw form is already listed.
        }
      }
      return;
    }
    if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) visit(v, k, depth + 1);
    }
  };
  visit(input, undefined, 0);
  return [...new Set(secrets)]
    .filter((secret) => secret.length >= MIN_SCRUBBED_LENGTH)
    .sort((a, b) => b.length - a.length);
}

export function scrubIssues(
  issues: readonly ConfigIssue[],
  secrets: readonly string[],
): ConfigIssue[] {
  return issues.map(({ path, message }) => ({
    path: scrub(path, secrets),
    message: scrub(message, secrets),
  }));
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}
