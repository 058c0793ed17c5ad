import jsonata from "jsonata";
import { ExpressionError } from "./errors.ts";
import { compileFastPath, NOT_HANDLED, type FastFunction } from "./fast-path.ts";

interface Compiled {
  jsonata: ReturnType<typeof jsonata>;
  /** Native evaluation for the simple cases (see fast-path.ts); JSONata for the rest. */
  fast?: FastFunction;
}
export type Bindings = Record<string, unknown>;

interface JsonataError {
  message?: string;
  position?: number;
  token?: string;
  code?: string;
}

const MAX_CACHED = 5_000;
const cache = new Map<string, Compiled>();
const stats = { hits: 0, misses: 0 };

/** Compiles once per distinct expression text; later calls are a map lookup. */
export function compileExpression(source: string): Compiled {
  const cached = cache.get(source);
  if (cached) {
    stats.hits++;
    return cached;
  }
  stats.misses++;
  let compiled: Compiled;
  try {
    const parsed = jsonata(source);
    compiled = { jsonata: parsed, fast: compileFastPath(parsed.ast()) };
  } catch (err) {
    const e = err as JsonataError;
    throw new ExpressionError(source, e.message ?? String(err), e.position);
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled;
}

export async function evaluateExpression(source: string, input: unknown, bindings: Bindings = {}): Promise<unknown> {
  const compiled = compileExpression(source);
  if (compiled.fast) {
    const value = compiled.fast(input, bindings);
    if (value !== NOT_HANDLED) return value;
  }
  try {
    const result = await compiled.jsonata.evaluate(input, bindings);
    return normaliseResult(result);
  } catch (err) {
    const e = err as JsonataError;
    throw new ExpressionError(source, e.message ?? String(err), e.position);
  }
}

/** Throws an ExpressionError if the text does not parse; used by config validation. */
export function checkExpressionSyntax(source: string): string | undefined {
  try {
    compileExpression(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function expressionCacheStats(): { hits: number; misses: number; size: number } {
  return { ...stats, size: cache.size };
}

/** JSONata marks sequences with extra properties; give nodes plain JSON values. */
function normaliseResult(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && (value as { sequence?: boolean }).sequence) return Array.from(value);
  return value;
}
