/**
 * Connection URLs and `host:port` lists, parsed with the WHATWG `URL` every edge runtime has.
 *
 * Messages say what is wrong with a URL without repeating it: a URL may carry a password.
 */

/** Where an `http(s)://` URL points: the Upstash REST endpoint (or the redge gateway). */
export interface ParsedRestUrl {
  kind: "rest";
  /** The URL without a trailing slash. */
  url: string;
}

/** What a `redis://` or `rediss://` URL says. Fields the URL leaves out are absent. */
export interface ParsedRedisUrl {
  kind: "tcp";
  /** `rediss://` turns TLS on. */
  tls: boolean;
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
}

export type ParsedUrl = ParsedRestUrl | ParsedRedisUrl;

export type UrlParseResult = { ok: true; value: ParsedUrl } | { ok: false; message: string };

export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_SENTINEL_PORT = 26379;

const SCHEMES = "redis://, rediss://, https:// or http://";

/**
 * Parses a connection URL: `redis://[user[:password]@]host[:port][/db]`, `rediss://…` (TLS), or
 * an `https://` / `http://` REST endpoint. User name and password are percent-decoded.
 */
export function parseConnectionUrl(text: string): UrlParseResult {
  const trimmed = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  // `localhost:6379` looks like scheme "localhost" to a URL parser; it is a missing scheme.
  if (scheme === undefined || /^[^:/]+:\d+(\/|$)/.test(trimmed)) {
    return fail(`must start with ${SCHEMES}`);
  }
  if (!["redis", "rediss", "http", "https"].includes(scheme)) {
    return fail(`has an unsupported scheme; use ${SCHEMES}`);
  }
  if (!trimmed.slice(scheme.length + 1).startsWith("//")) {
    return fail(`must be written ${scheme}://host…`);
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return fail(explainUnparsable(trimmed));
  }
  if (url.hostname === "") return fail("has no host");
  if (url.hash !== "") return fail("must not have a #fragment");
  return scheme === "http" || scheme === "https" ? parseRest(url) : parseRedis(url, scheme);
}

function parseRest(url: URL): UrlParseResult {
  if (url.username !== "" || url.password !== "") {
    return fail("must not carry credentials for REST; pass the token separately");
  }
  if (url.search !== "") return fail("must not have a query string");
  return { ok: true, value: { kind: "rest", url: url.href.replace(/\/+$/, "") } };
}

function parseRedis(url: URL, scheme: string): UrlParseResult {
  if (url.search !== "") {
    return fail("must not have a query string; give options as config fields (db, tls, …)");
  }
  const port = url.port === "" ? DEFAULT_REDIS_PORT : Number(url.port);
  if (port < 1) return fail("has port 0; use a port from 1 to 65535");
  const path = url.pathname.replace(/^\//, "");
  let db: number | undefined;
  if (path !== "") {
    if (!/^\d{1,9}$/.test(path)) {
      return fail("must have a database number (or nothing) as its path, e.g. redis://host:6379/2");
    }
    db = Number(path);
  }
  const username = decode(url.username);
  const password = decode(url.password);
  if (username === null) return fail("has a user name that is not valid percent-encoding");
  if (password === null) return fail("has a password that is not valid percent-encoding");
  return {
    ok: true,
    value: {
      kind: "tcp",
      tls: scheme === "rediss",
      host: unbracket(url.hostname),
      port,
      ...(db !== undefined ? { db } : {}),
      ...(username !== "" ? { username } : {}),
      ...(password !== "" ? { password } : {}),
    },
  };
}

/** Percent-decodes, or returns null for malformed encoding such as `%zz`. */
function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** `URL` only says "Invalid URL"; name the likely cause without quoting the URL. */
function explainUnparsable(text: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text)?.[1] ?? "";
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1];
  if (port !== undefined && !/^\d*$/.test(port)) return "has a port that is not a number";
  if (port !== undefined && Number(port) > 65_535) return "has a port above 65535";
  return "is not a valid URL (a password with / # ? or @ must be percent-encoded)";
}

function fail(message: string): UrlParseResult {
  return { ok: false, message };
}

export type HostPortParseResult =
  | { ok: true; value: { host: string; port: number } }
  | { ok: false; message: string };

/**
 * Parses `host:port`, `host` (default port), `[::1]:26379` or `[::1]`. A bare IPv6 address
 * without brackets is refused: its colons cannot be told from the port separator.
 */
export function parseHostPort(text: string, defaultPort: number): HostPortParseResult {
  const entry = text.trim();
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith("[")) {
    const match = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
    if (!match) return { ok: false, message: "must be [ipv6]:port" };
    host = match[1] ?? "";
    portText = match[2];
  } else {
    const parts = entry.split(":");
    if (parts.length > 2) {
      return { ok: false, message: "has more than one ':'; write IPv6 addresses as [addr]:port" };
    }
    host = parts[0] ?? "";
    portText = parts[1];
  }
  if (host === "") return { ok: false, message: "has no host" };
  if (portText === undefined) return { ok: true, value: { host, port: defaultPort } };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) {
    return { ok: false, message: "must end in a port from 1 to 65535" };
  }
  return { ok: true, value: { host, port: Number(portText) } };
}
