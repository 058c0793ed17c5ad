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

/** What an error becomes over HTTP: its status, extra headers and JSON body; never a stack trace. */
export function errorAnswer(err: Error): { status: ContentfulStatusCode; headers: Record<string, string>; body: unknown } {
  if (err instanceof ApiError) return { status: err.status, headers: err.headers, body: errorBody(err.code, err.message, err.details) };
  if (err instanceof VersionConflictError) {
    return { status: 409, headers: {}, body: { error: { code: err.code, message: err.message, current: err.current } } };
  }
  if (err instanceof EngineError) return { status: STATUS_BY_CODE[err.code] ?? 400, headers: {}, body: errorBody(err.code, err.message, err.details) };
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 413 ? "PAYLOAD_TOO_LARGE" : status === 401 ? "UNAUTHORIZED" : "HTTP_ERROR";
    return { status, headers: {}, body: errorBody(code, err.message || "request failed") };
  }
  console.error("unhandled error", err);
  return { status: 500, headers: {}, body: errorBody("INTERNAL", "internal error; the server logged the details") };
}

/** The one place where errors become Hono responses (the webhook fast path uses errorAnswer too). */
export function handleError(err: Error, c: Context): Response {
  const answer = errorAnswer(err);
  for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
  return c.json(answer.body, answer.status);
}
