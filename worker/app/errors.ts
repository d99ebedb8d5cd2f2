/**
 * The app's one error shape, `{ error: { code, message, details? } }`, and the mapping from every
 * error a request can meet (zod, Hono, redge) to a status. Unknown errors become a generic 500:
 * their message may hold anything (a host name, a stack), so it is never sent.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  CommandError,
  ConflictError,
  isOutOfMemory,
  isTransient,
  RedgeError,
  SubjectValueError,
  ValidationError,
} from "../../src/index.js";

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unavailable"
  | "insufficient_storage"
  | "internal";

export interface ErrorDetail {
  /** The bad field, dot-separated (`items.0.priority`); empty for the whole body. */
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

/** Seconds a client is told to wait (`Retry-After`) when Redis cannot be reached. */
export const RETRY_AFTER_SECONDS = 1;

/** An error that already knows its HTTP answer. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** A 400 naming each bad field, e.g. `Invalid input: items.0.priority: must be a finite number`. */
export function badRequest(details: ErrorDetail[]): ApiError {
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new ApiError(400, "bad_request", `Invalid input: ${summary}`, { details });
}

/** `closeConnection`: the request's body is left unread, so its connection cannot serve another. */
export function unavailable(
  message = "Redis is unavailable; try again shortly",
  options: { closeConnection?: boolean } = {},
): ApiError {
  const retry = { "Retry-After": String(RETRY_AFTER_SECONDS) };
  return new ApiError(503, "unavailable", message, {
    headers: options.closeConnection ? { ...retry, Connection: "close" } : retry,
  });
}

/** Issues of a failed zod parse, as details; `prefix` names where the input came from. */
export function zodDetails(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix?: string,
): ErrorDetail[] {
  return issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join("."),
    message: issue.message,
  }));
}

const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** What a thrown value means for the client. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    // Hono's own refusals: malformed JSON (400), unsupported media type (415), body limit (413).
    const code = HTTP_CODES[error.status];
    if (code) {
      const message = error.status === 400 ? "Malformed JSON in request body" : error.message;
      return new ApiError(error.status as ContentfulStatusCode, code, message || code);
    }
    return new ApiError(500, "internal", "Internal server error");
  }
  if (error instanceof ConflictError) return new ApiError(409, "conflict", error.message);
  // A stored value the operation cannot use (e.g. incr on a property holding text): the request
  // was well-formed, the resource's state is in the way.
  if (error instanceof SubjectValueError) return new ApiError(409, "conflict", error.message);
  if (error instanceof ValidationError) return badRequest([...error.issues]);
  if (isTransient(error)) return unavailable();
  if (isOutOfMemory(error)) {
    // maxmemory reached under a no-eviction policy: the request was fine, the server is full.
    return new ApiError(
      507,
      "insufficient_storage",
      "Redis is out of memory (maxmemory reached and its policy evicts nothing); the write was refused",
    );
  }
  if (error instanceof CommandError) {
    if (error.prefix === "WRONGTYPE") {
      return new ApiError(409, "conflict", "The key holds a different kind of value");
    }
    if (error.prefix === "NOGROUP") {
      return new ApiError(404, "not_found", "No such stream or consumer group");
    }
  }
  if (error instanceof RedgeError) {
    if (error.code === "conflict") return new ApiError(409, "conflict", error.message);
    if (error.code === "aborted") return unavailable("The request was aborted");
    // Validation-coded errors of other kinds carry only messages about the caller's input.
    if (error.code === "validation") return badRequest([{ path: "", message: error.message }]);
  }
  return new ApiError(500, "internal", "Internal server error");
}

export function errorBody(error: ApiError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

/** The JSON response for `error`, with its headers (e.g. `Retry-After`). */
export function errorResponse(c: Context, error: ApiError): Response {
  return c.json(errorBody(error), error.status, error.headers);
}
