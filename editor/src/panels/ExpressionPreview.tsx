import { createContext, useContext, useEffect, useState } from "react";

/** The input the inspected node received in the run shown on the canvas, if any. */
export const PreviewInput = createContext<{ has: boolean; value: unknown }>({ has: false, value: undefined });

type Result = { ok: true; value: unknown } | { ok: false; error: string };

async function evaluate(expression: string, input: unknown): Promise<unknown> {
  const { default: jsonata } = await import("jsonata");
  // $now() is JSONata's own; $run, $flow and $node exist only inside a real run.
  return jsonata(expression).evaluate(input);
}

/** `{{ expr }}` parts evaluated and spliced into the text, as the engine renders templates. */
async function renderTemplate(text: string, input: unknown): Promise<string> {
  const parts = text.split(/(\{\{[\s\S]*?\}\})/);
  const out = await Promise.all(
    parts.map(async (part) => {
      const m = /^\{\{([\s\S]*)\}\}$/.exec(part);
      if (!m) return part;
      const value = await evaluate(m[1]!, input);
      return typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
    }),
  );
  return out.join("");
}

/** Live value of an expression or template field against the last run's input. */
export function ExpressionPreview({ text, template }: { text: string; template: boolean }) {
  const input = useContext(PreviewInput);
  const [result, setResult] = useState<Result | null>(null);
  useEffect(() => {
    if (!input.has || text.trim() === "") {
      setResult(null);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      (template ? renderTemplate(text, input.value) : evaluate(text, input.value)).then(
        (value) => !stale && setResult({ ok: true, value }),
        (error: unknown) => !stale && setResult({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
    }, 150);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [text, template, input]);
  if (!result) return null;
  const shown = result.ok ? (result.value === undefined ? "(nothing)" : JSON.stringify(result.value, null, 1)) : result.error;
  return (
    <pre className={`rn-preview ${result.ok ? "" : "is-error"}`} title="Evaluated against this node's input in the run shown on the canvas" data-testid="expression-preview">
      <span className="rn-preview-label">{result.ok ? "→ " : "✕ "}</span>
      {shown.length > 400 ? `${shown.slice(0, 400)}…` : shown}
    </pre>
  );
}
