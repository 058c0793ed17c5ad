import { useState } from "react";
import { editorStore } from "../store/editor-store.ts";
import { runNow } from "../store/persistence.ts";

function defaultPayload(): string {
  const { doc } = editorStore.getState();
  const manual = doc.nodes.find((n) => n.type === "manual");
  const sample = manual?.config.payload ?? { hello: "world" };
  return JSON.stringify(sample, null, 2);
}

/** Run with a sample payload: a small popover, never a modal. */
export function RunButton() {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    let payload: unknown;
    try {
      payload = JSON.parse(text || "{}");
    } catch (e) {
      setError(e instanceof Error ? e.message : "invalid JSON");
      return;
    }
    setError(null);
    if (await runNow(payload)) setOpen(false);
  };
  return (
    <div className="rn-popover-anchor">
      <button className="rn-btn" data-testid="run" onClick={() => {
        if (!open) setText(defaultPayload());
        setOpen(!open);
      }}>▶ Run</button>
      {open ? (
        <div className="rn-popover" role="dialog" aria-label="Run with payload" onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
          <label className="rn-field-label" htmlFor="run-payload">Sample payload (JSON)</label>
          <textarea id="run-payload" className="rn-input mono" rows={8} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          {error ? <p className="rn-field-problem">{error}</p> : null}
          <div className="rn-row">
            <button className="rn-btn primary" onClick={() => void run()} data-testid="run-go">Run now</button>
            <button className="rn-btn" onClick={() => setOpen(false)}>Cancel</button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
