import type { z } from "zod";
import { ApiError } from "../errors.ts";

/** Parses request input with zod and answers 400 with our error shape, never zod's raw object. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({ field: i.path.map(String).join(".") || what, message: i.message }));
  throw new ApiError(400, "INVALID_REQUEST", `invalid ${what}: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`, { problems });
}
