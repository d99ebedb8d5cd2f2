/**
 * Every request body is read here, before anything parses it:
 * - above `maxBytes` it is refused with 413 (from a declared Content-Length at once, else while
 *   reading: hono/body-limit trusts the header, and a header can lie where the runtime does not
 *   enforce it), and the connection is closed behind the answer (the rest of the body is unread,
 *   so the connection could not serve another request);
 * - while reading, its bytes count against `budget`, shared by all requests: past it, 503;
 * - bytes that are not UTF-8 are refused with 400: decoding would replace them with U+FFFD, so
 *   two different ids could become one;
 * - JSON nested deeper than MAX_NESTING_DEPTH is refused with 400 before any parser sees it.
 * The counted bytes become the request's body.
 */
import { createMiddleware } from "hono/factory";
import { MAX_NESTING_DEPTH, TOO_DEEP } from "../../src/core/validation.js";
import type { ByteBudget } from "../../src/web/byte-budget.js";
import { jsonNestsDeeperThan } from "../../src/web/json-depth.js";
import { readLimited } from "../../src/web/read-limited.js";
import { ApiError, badRequest, unavailable } from "./errors.js";

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `The request body exceeds ${maxBytes} bytes`, {
    headers: { Connection: "close" },
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function bodyLimit(maxBytes: number, budget: ByteBudget) {
  return createMiddleware(async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const read = await readLimited(raw.body, maxBytes, budget);
    if (!read.ok) {
      if (read.reason === "too-large") throw tooLarge(maxBytes);
      throw unavailable(
        "The server is holding as many request bodies as it may; try again shortly",
      );
    }
    if (!isUtf8(read.bytes)) {
      throw badRequest([{ path: "", message: "The request body is not valid UTF-8" }]);
    }
    if (jsonNestsDeeperThan(read.bytes, MAX_NESTING_DEPTH)) {
      throw badRequest([{ path: "", message: `The request body ${TOO_DEEP}` }]);
    }
    c.req.raw = new Request(raw, { body: read.bytes });
    await next();
  });
}
