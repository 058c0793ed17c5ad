import { useShallow } from "zustand/react/shallow";
import { select, useEditor } from "../store/editor-store.ts";
import { flowHints } from "./flow-hints.ts";

const mod = typeof navigator !== "undefined" && /Mac/.test(navigator.platform) ? "⌘" : "Ctrl";

/** What the inspector shows with nothing selected: flow problems, hints and shortcuts. */
export function FlowSummary() {
  const { doc, problems } = useEditor(useShallow((s) => ({ doc: s.doc, problems: s.problems })));
  const flowProblems = problems.filter((p) => !p.nodeId && !p.edgeId);
  const edgeProblems = problems.filter((p) => p.edgeId && !p.nodeId);
  const hints = flowHints(doc);
  return (
    <div className="rn-inspector-body">
      <h2>{doc.name}</h2>
      <p className="rn-muted">
        {doc.nodes.length} node{doc.nodes.length === 1 ? "" : "s"}, {doc.edges.length} connection{doc.edges.length === 1 ? "" : "s"}
        {doc.version ? ` · version ${doc.version}` : " · not saved yet"}
      </p>
      {[...flowProblems, ...edgeProblems].map((p) => (
        <p key={`${p.edgeId ?? ""}${p.field}${p.message}`} className="rn-field-problem" role="alert" data-testid="flow-problem">
          {p.message}
        </p>
      ))}
      {hints.map((h) => (
        <p key={h.nodeId} className="rn-hint">
          <button className="rn-link" onClick={() => select({ nodes: new Set([h.nodeId]) })}>Webhook</button> {h.text}
        </p>
      ))}
      <h3>Shortcuts</h3>
      <dl className="rn-shortcuts">
        <dt>{mod}+S</dt><dd>save</dd>
        <dt>{mod}+Z / {mod}+Shift+Z</dt><dd>undo / redo</dd>
        <dt>{mod}+C / {mod}+V</dt><dd>copy / paste (as flow JSON)</dd>
        <dt>Del</dt><dd>delete selection</dd>
        <dt>Shift+drag</dt><dd>box select</dd>
        <dt>Esc</dt><dd>close inspector</dd>
      </dl>
    </div>
  );
}
