/** An error a node raises on purpose; `code` is stable and shown in the run log. */
export class StepFailure extends Error {
  readonly code: string;
  readonly details?: unknown;
  /** Retrying cannot help (a 4xx answer, a bad expression). */
  readonly permanent: boolean;
  /** Server asked us to wait this long before retrying (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(code: string, message: string, options: { details?: unknown; permanent?: boolean; retryAfterMs?: number } = {}) {
    super(message);
    this.name = "StepFailure";
    this.code = code;
    this.details = options.details;
    this.permanent = options.permanent ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export class ExpressionError extends StepFailure {
  constructor(expression: string, message: string, position?: number) {
    const where = position === undefined ? "" : ` at position ${position}`;
    super("EXPRESSION_ERROR", `expression ${JSON.stringify(expression)} failed${where}: ${message}`, {
      details: { expression, position },
      permanent: true,
    });
  }
}
