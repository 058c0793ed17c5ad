import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HTTPException } from "hono/http-exception";
import { EngineError, VersionConflictError } from "../engine/index.ts";

/** An error raised by the HTTP layer itself (bad request shape, size, media type...). */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  NOT_FOUND: 404,
  INVALID_FLOW: 400,
  INVALID_REQUEST: 400,
  NO_MANUAL_TRIGGER: 400,
  VERSION_CONFLICT: 409,
  RUN_FINISHED: 409,
  FLOW_NOT_FOUND: 404,
  CREDENTIAL_IN_USE: 409,
  SECRET_KEY_MISSING: 503,
};

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** The one place where errors become HTTP responses; never a stack trace, never HTML. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
    return c.json(errorBody(err.code, err.message, err.details), err.status);
  }
  if (err instanceof VersionConflictError) {
    return c.json({ error: { code: err.code, message: err.message, current: err.current } }, 409);
  }
  if (err instanceof EngineError) {
    return c.json(errorBody(err.code, err.message, err.details), STATUS_BY_CODE[err.code] ?? 400);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? "PAYLOAD_TOO_LARGE" : status === 401 ? "UNAUTHORIZED" : "HTTP_ERROR";
    return c.json(errorBody(code, err.message || "request failed"), status);
  }
  console.error("unhandled error", err);
  return c.json(errorBody("INTERNAL", "internal error; the server logged the details"), 500);
}
