/**
 * Every request body is read here, before anything parses it:
 * - above `maxBytes` it is refused with 413 (from a declared Content-Length at once, else while
 *   reading: hono/body-limit trusts the header, and a header can lie where the runtime does not
 *   enforce it), and the connection is closed behind the answer (the rest of the body is unread,
 *   so the connection could not serve another request);
 * - while reading, its bytes count against `budget`, shared by all requests: past it, 503, and
 *   the connection is closed behind it too;
 * - bytes that are not UTF-8 are refused with 400: decoding would replace them with U+FFFD, so
 *   two different ids could become one;
 * - JSON nested deeper than MAX_NESTING_DEPTH is refused with 400 before any parser sees it.
 *
 * The checked text becomes the request's body for the route's validator (Hono's body cache), so
 * the body is read and decoded once. On Node (@hono/node-server) it is read from the socket's own
 * stream: touching `c.req.raw.body` there builds a full undici Request per request, which cost
 * more than the rest of a cache hit. GET, HEAD and OPTIONS requests and empty bodies are not
 * read at all.
 */
import { createMiddleware } from "hono/factory";
import { MAX_NESTING_DEPTH, TOO_DEEP } from "../../src/core/validation.js";
import type { ByteBudget } from "../../src/web/byte-budget.js";
import { jsonNestsDeeperThan } from "../../src/web/json-depth.js";
import { nodeIncoming, readIncoming } from "../../src/web/read-incoming.js";
import { readLimited } from "../../src/web/read-limited.js";
import { ApiError, badRequest, unavailable } from "./errors.js";

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `The request body exceeds ${maxBytes} bytes`, {
    headers: { Connection: "close" },
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as text, or undefined when its bytes are not UTF-8. */
function decode(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const BODYLESS = new Set(["GET", "HEAD", "OPTIONS"]);

export function bodyLimit(maxBytes: number, budget: ByteBudget) {
  return createMiddleware(async (c, next) => {
    if (BODYLESS.has(c.req.method)) return next();
    const declared = c.req.header("content-length");
    if (declared === "0") return next();
    if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const incoming = nodeIncoming(c.env);
    let read: { ok: true; bytes: Uint8Array } | { ok: false; reason: "too-large" | "busy" };
    if (incoming) {
      read = await readIncoming(incoming, maxBytes, budget);
    } else {
      const body = c.req.raw.body;
      if (!body) return next();
      read = await readLimited(body, maxBytes, budget);
    }
    if (!read.ok) {
      if (read.reason === "too-large") throw tooLarge(maxBytes);
      throw unavailable(
        "The server is holding as many request bodies as it may; try again shortly",
        { closeConnection: true },
      );
    }
    const text = decode(read.bytes);
    if (text === undefined) {
      throw badRequest([{ path: "", message: "The request body is not valid UTF-8" }]);
    }
    if (jsonNestsDeeperThan(read.bytes, MAX_NESTING_DEPTH)) {
      throw badRequest([{ path: "", message: `The request body ${TOO_DEEP}` }]);
    }
    // What the route's validator reads (c.req.json() parses the cached text): no second read.
    // Hono keeps promises in its body cache (its type says otherwise).
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    await next();
  });
}
