import { useState } from "react";
import { change, editorStore, select, useEditor } from "../store/editor-store.ts";
import { runNow } from "../store/persistence.ts";
import { addEdge, addNode } from "../store/doc-actions.ts";
import { freeSpot } from "../canvas/place-node.ts";

/**
 * Runs by hand start at a Manual node. Adds one left of the first trigger, wired to
 * wherever that trigger leads, so a webhook flow can be tried with a sample payload.
 */
function addManualTrigger(): void {
  const { catalog, doc } = editorStore.getState();
  const manual = catalog.get("manual");
  if (!manual) return;
  const trigger = doc.nodes.find((n) => catalog.get(n.type)?.category === "trigger");
  let id = "";
  change((d) => {
    const at = trigger ? { x: trigger.position.x, y: trigger.position.y - 140 } : { x: 0, y: 0 };
    const added = addNode(d, manual, freeSpot(d.nodes, at));
    id = added.id;
    let next = added.doc;
    for (const e of d.edges.filter((e) => trigger && e.source === trigger.id && e.sourcePort === "out")) {
      next = addEdge(next, { source: id, sourcePort: "out", target: e.target, targetPort: e.targetPort }).doc;
    }
    return next;
  });
  select({ nodes: new Set([id]) });
}

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
  const hasManual = useEditor((s) => s.doc.nodes.some((n) => n.type === "manual"));
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
          {!hasManual ? (
            <p className="rn-hint">
              Runs by hand start at a Manual node.{" "}
              <button className="rn-link" onClick={addManualTrigger} data-testid="add-manual">Add one</button> next to the trigger, wired the same way.
            </p>
          ) : null}
          <label className="rn-field-label" htmlFor="run-payload">Sample payload (JSON)</label>
          <textarea id="run-payload" className="rn-input mono" rows={8} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          {error ? <p className="rn-field-problem">{error}</p> : null}
          <div className="rn-row">
            <button className="rn-btn primary" onClick={() => void run()} disabled={!hasManual} data-testid="run-go">Run now</button>
            <button className="rn-btn" onClick={() => setOpen(false)}>Cancel</button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
