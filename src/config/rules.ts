/**
 * Rules that span several fields: which way of reaching Redis the input asks for, and whether
 * the rest of it agrees. They run even when single fields are invalid, so one error lists every
 * problem; that is why they read the input defensively instead of trusting its types.
 */
import type { ParsedUrl } from "./url.js";

export type IssuePath = (string | number)[];
export type AddIssue = (path: IssuePath, message: string) => void;

/** URLs the `url` field parsed successfully (anything else in that slot is raw, invalid input). */
const parsedUrls = new WeakSet<object>();

export function markParsedUrl<T extends ParsedUrl>(url: T): T {
  parsedUrls.add(url);
  return url;
}

/** Stand-ins for urls that failed to parse, remembering which transport their scheme meant. */
const failedUrls = new WeakMap<object, ParsedUrl["kind"] | undefined>();

/**
 * What the url field holds after its parse failed (the issue is already recorded): enough for the
 * rules below to still report a token next to a redis:// url, or a sentinel next to an https one.
 */
export function failedUrl(text: string): object {
  const marker = {};
  failedUrls.set(marker, guessUrlKind(text));
  return marker;
}

function guessUrlKind(text: string): ParsedUrl["kind"] | undefined {
  if (/^\s*https?:/i.test(text)) return "rest";
  if (/^\s*rediss?:/i.test(text)) return "tcp";
  return undefined;
}

function asParsedUrl(value: unknown): ParsedUrl | undefined {
  return typeof value === "object" && value !== null && parsedUrls.has(value)
    ? (value as ParsedUrl)
    : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const REST_ONLY_TAKES =
  "cannot be used with an http(s):// REST url, which takes only a token (use redis:// or rediss:// for TCP)";

export function checkCombination(value: unknown, add: AddIssue): void {
  if (!isRecord(value)) return;
  const given = (key: string) => value[key] !== undefined;
  const url = asParsedUrl(value.url);
  // A url that failed to parse still says by its scheme which transport it meant.
  const urlKind = url?.kind ?? (isRecord(value.url) ? failedUrls.get(value.url) : undefined);
  const tlsOn = given("tls") && value.tls !== false;

  if (urlKind === "rest") {
    if (!given("token")) add(["token"], "is required with an http(s):// REST url");
    for (const key of ["host", "port", "db", "username", "password", "sentinel", "cluster"]) {
      if (given(key)) add([key], REST_ONLY_TAKES);
    }
    if (tlsOn) add(["tls"], "cannot be used with a REST url; use https:// for an encrypted link");
    if (given("durableWrites")) {
      add(
        ["durableWrites"],
        "needs TCP: WAIT must run on the connection that wrote, which REST does not have",
      );
    }
    if (given("keepAlive")) {
      add(["keepAlive"], "is TCP keep-alive, which a REST url does not use");
    }
  } else if (urlKind === "tcp") {
    if (given("token")) {
      add(["token"], "is only used with an http(s):// REST url, not with redis:// or rediss://");
    }
    for (const key of ["host", "port"]) {
      if (given(key)) add([key], "cannot be combined with url; give either url or host and port");
    }
    for (const key of ["sentinel", "cluster"]) {
      if (given(key)) {
        add([key], "cannot be combined with a redis:// url; give username, password, db instead");
      }
    }
    const fromUrl = url?.kind === "tcp" ? url : undefined;
    for (const key of ["username", "password", "db"] as const) {
      if (given(key) && fromUrl?.[key] !== undefined && fromUrl[key] !== value[key]) {
        add([key], `conflicts with the ${key === "db" ? "database" : key} in url; give it once`);
      }
    }
    if (fromUrl?.tls && value.tls === false) {
      add(["tls"], "is false but the url is rediss://, which means TLS");
    }
  } else if (!given("url")) {
    checkTopology(value, add);
  }

  if (urlKind !== "rest") checkCredentials(value, url, add);
  checkTls(value.tls, add);
  checkRetry(value.retry, add);
}

/** Without a url: sentinel, cluster or host, and only one of them. */
function checkTopology(value: Record<string, unknown>, add: AddIssue): void {
  const given = (key: string) => value[key] !== undefined;
  if (given("token")) {
    add(["token"], "needs url: set url to the https:// REST endpoint the token belongs to");
  }
  if (given("sentinel") && given("cluster")) {
    add(["cluster"], "cannot be combined with sentinel; choose one");
  } else if (given("sentinel")) {
    for (const key of ["host", "port"]) {
      if (given(key)) {
        add([key], "is not used with sentinel: list the sentinels in sentinel.sentinels");
      }
    }
  } else if (given("cluster")) {
    for (const key of ["host", "port"]) {
      if (given(key)) add([key], "is not used with cluster: list the nodes in cluster.nodes");
    }
    if (given("db") && value.db !== 0) {
      add(["db"], "must be 0 with cluster: Redis Cluster only has database 0");
    }
  } else if (!given("host")) {
    const partial = ["port", "db", "username", "password", "tls"].some(given);
    if (partial) {
      add(["host"], "is required (or give url, sentinel or cluster instead)");
    } else {
      add(
        [],
        "no Redis to connect to: give url (redis://, rediss://, or https:// with token), host, sentinel or cluster",
      );
    }
  }
}

/** Redis' AUTH takes a password, with or without a user name; a user name alone means nothing. */
function checkCredentials(
  value: Record<string, unknown>,
  url: ParsedUrl | undefined,
  add: AddIssue,
): void {
  const fromUrl = url?.kind === "tcp" ? url : undefined;
  // Only real strings count: a mistyped field has its own issue already.
  const username = asString(value.username) ?? fromUrl?.username;
  const password = value.password ?? fromUrl?.password;
  if (username !== undefined && password === undefined) {
    if (typeof value.username === "string") {
      add(["password"], "is required when username is set (Redis AUTH takes both)");
    } else {
      add(
        ["url"],
        "has a user name but no password; write redis://:password@host for a password alone",
      );
    }
  }
  const sentinel = value.sentinel;
  if (isRecord(sentinel) && sentinel.sentinelUsername !== undefined) {
    if (sentinel.sentinelPassword === undefined) {
      add(["sentinel", "sentinelPassword"], "is required when sentinel.sentinelUsername is set");
    }
  }
}

/**
 * PEM text or a file for each of ca, cert, key, not both; a client certificate needs its key and
 * the other way round; a passphrase needs a key to decrypt.
 */
function checkTls(tls: unknown, add: AddIssue): void {
  if (!isRecord(tls)) return;
  const given = (key: string) => tls[key] !== undefined;
  for (const [text, file] of [
    ["ca", "caFile"],
    ["cert", "certFile"],
    ["key", "keyFile"],
  ] as const) {
    if (given(text) && given(file)) {
      add(["tls", file], `cannot be combined with tls.${text}: give the PEM text or the file`);
    }
  }
  const cert = given("cert") ? "cert" : given("certFile") ? "certFile" : undefined;
  const key = given("key") ? "key" : given("keyFile") ? "keyFile" : undefined;
  if (cert && !key) {
    add(["tls", cert === "cert" ? "key" : "keyFile"], `is required when tls.${cert} is set`);
  }
  if (key && !cert) {
    add(["tls", key === "key" ? "cert" : "certFile"], `is required when tls.${key} is set`);
  }
  if (given("passphrase") && !key) {
    add(["tls", "passphrase"], "decrypts tls.key or tls.keyFile, and neither is set");
  }
}

function checkRetry(retry: unknown, add: AddIssue): void {
  if (!isRecord(retry)) return;
  const { baseDelayMs, maxDelayMs } = retry;
  if (
    typeof baseDelayMs === "number" &&
    typeof maxDelayMs === "number" &&
    maxDelayMs < baseDelayMs
  ) {
    add(["retry", "maxDelayMs"], "must be at least retry.baseDelayMs");
  }
}
