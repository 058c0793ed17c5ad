import { builtinNodes } from "../../../engine/index.ts";

/** The reliability flows need the dedupe and http nodes; say which are missing, if any. */
export function missingNodeTypes(types: readonly string[]): string[] {
  const have = new Set(builtinNodes.map((n) => n.type));
  return types.filter((type) => !have.has(type));
}

/** Skip (printing why) when nodes are missing, except under CI=true, where nothing may skip. */
export function skipWithoutEffectNodes(suite: string, types: readonly string[] = ["dedupe", "http"]): boolean {
  const missing = missingNodeTypes(types);
  if (missing.length === 0) return false;
  const message = `${suite}: node types ${missing.join(", ")} are not in this build`;
  if (process.env.CI === "true") return false; // run anyway and fail loudly
  console.warn(`SKIPPED ${message}`);
  return true;
}
