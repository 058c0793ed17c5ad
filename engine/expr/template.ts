import { evaluateExpression, compileExpression, type Bindings } from "./jsonata.ts";

type Part = { text: string } | { expression: string };

const cache = new Map<string, Part[]>();
const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;

/** Splits `Hello {{ body.name }}!` into text and expression parts, once per template. */
export function parseTemplate(template: string): Part[] {
  const cached = cache.get(template);
  if (cached) return cached;
  const parts: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(TEMPLATE)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    const expression = match[1]!.trim();
    compileExpression(expression);
    parts.push({ expression });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  if (cache.size > 5_000) cache.clear();
  cache.set(template, parts);
  return parts;
}

export function hasTemplate(text: string): boolean {
  return text.includes("{{");
}

/**
 * Renders a template. Only the template text (from the flow's config) is ever parsed:
 * values coming from messages are inserted as data, never evaluated.
 */
export async function renderTemplate(template: string, input: unknown, bindings: Bindings = {}): Promise<string> {
  if (!hasTemplate(template)) return template;
  let out = "";
  for (const part of parseTemplate(template)) {
    if ("text" in part) {
      out += part.text;
      continue;
    }
    const value = await evaluateExpression(part.expression, input, bindings);
    out += value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}
