/** Engine errors carry a stable code; the API maps codes to HTTP statuses in one place. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

export const notFound = (what: string, id: string) => new EngineError("NOT_FOUND", `no ${what} with id ${id}`);
