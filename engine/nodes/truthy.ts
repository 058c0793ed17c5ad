/** JSONata's $boolean semantics, so conditions read the same as in the expression language. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.some(isTruthy);
  if (typeof value === "function") return false;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}
