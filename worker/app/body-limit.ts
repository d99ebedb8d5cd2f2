/**
 * Request bodies above `maxBytes` are refused with 413 before anything reads them as JSON.
 *
 * A declared Content-Length above the limit is refused at once. The body itself is then read
 * and counted whatever the header says (hono/body-limit trusts the header; a header can lie when
 * the runtime does not enforce it), and the counted bytes become the request's body.
 */
import { createMiddleware } from "hono/factory";
import { readLimited } from "../../src/web/read-limited.js";
import { ApiError } from "./errors.js";

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `The request body exceeds ${maxBytes} bytes`);
}

export function bodyLimit(maxBytes: number) {
  return createMiddleware(async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const body = await readLimited(raw.body, maxBytes);
    if (!body) throw tooLarge(maxBytes);
    c.req.raw = new Request(raw, { body });
    await next();
  });
}
