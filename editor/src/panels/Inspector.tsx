import { lazy, Suspense, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { z } from "zod";
import { useShallow } from "zustand/react/shallow";
import { nodeSettingsSchema, type FlowNode } from "../../../engine/model/index.ts";
import { change, editorStore, select, useEditor } from "../store/editor-store.ts";
import { removeElements, updateNode } from "../store/doc-actions.ts";
import type { JsonSchema } from "../store/catalog.ts";
import { Icon, iconName } from "./Icon.tsx";
import { fieldsOf, problemsFor } from "./schema-fields.ts";
import { Field } from "./FieldInput.tsx";
import { setKey } from "./CompoundFields.tsx";
import { FlowSummary } from "./FlowSummary.tsx";
import { PreviewInput } from "./ExpressionPreview.tsx";

// What a node did in a run (with the JSON viewer): loaded when a run is first inspected.
const StepDetails = lazy(() => import("./StepDetails.tsx").then((m) => ({ default: m.StepDetails })));

const settingsFields = fieldsOf(z.toJSONSchema(nodeSettingsSchema, { io: "input" }) as JsonSchema);

/** Docked inspector: the selected node's generated form, or a summary of the flow. */
export function Inspector() {
  const { selected, count } = useEditor(
    useShallow((s) => ({ selected: s.selection.nodes.size === 1 ? [...s.selection.nodes][0] : undefined, count: s.selection.nodes.size + s.selection.edges.size + s.selection.notes.size })),
  );
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    (document.activeElement as HTMLElement | null)?.blur();
    select({});
  };
  return (
    <aside className="rn-inspector" onKeyDown={onKeyDown} aria-label="Inspector" data-testid="inspector">
      {selected ? <NodePane nodeId={selected} /> : count > 1 ? <MultiSelection count={count} /> : <FlowSummary />}
    </aside>
  );
}

/** While a run is shown, a node opens on what it did in that run; its form is one tab away. */
function NodePane({ nodeId }: { nodeId: string }) {
  const runShown = useEditor((s) => s.run !== null);
  const [tab, setTab] = useState<"run" | "config">("run");
  if (!runShown) return <NodeInspector nodeId={nodeId} />;
  return (
    <>
      <div className="rn-tabs" role="tablist">
        <button role="tab" aria-selected={tab === "run"} className={tab === "run" ? "is-on" : ""} onClick={() => setTab("run")} data-testid="tab-run">In this run</button>
        <button role="tab" aria-selected={tab === "config"} className={tab === "config" ? "is-on" : ""} onClick={() => setTab("config")} data-testid="tab-config">Configure</button>
      </div>
      {tab === "run" ? <div className="rn-inspector-body"><Suspense fallback={null}><StepDetails nodeId={nodeId} /></Suspense></div> : <NodeInspector nodeId={nodeId} />}
    </>
  );
}

function MultiSelection({ count }: { count: number }) {
  const del = () => {
    const { selection } = editorStore.getState();
    change((d) => removeElements(d, selection));
    select({});
  };
  return (
    <div className="rn-inspector-body">
      <h2>{count} selected</h2>
      <p className="rn-muted">Drag to move them together; Ctrl/Cmd+C copies them as flow JSON.</p>
      <button className="rn-btn danger" onClick={del}>Delete selection</button>
    </div>
  );
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const { node, type, problems, focus, hasInput, input } = useEditor(
    useShallow((s) => {
      const node = s.doc.nodes.find((n) => n.id === nodeId);
      const has = !!s.run && nodeId in s.run.inputs;
      return {
        node, type: node ? s.catalog.get(node.type) : undefined, problems: s.problems, focus: s.focusNodeId === nodeId,
        hasInput: has, input: has ? s.run!.inputs[nodeId] : undefined,
      };
    }),
  );
  const formRef = useRef<HTMLDivElement>(null);
  const fields = useMemo(() => fieldsOf(type?.configSchema), [type]);
  const preview = useMemo(() => ({ has: hasInput, value: input }), [hasInput, input]);
  const nodeProblems = useMemo(() => problems.filter((p) => p.nodeId === nodeId), [problems, nodeId]);
  useEffect(() => {
    if (!focus) return;
    editorStore.setState({ focusNodeId: null });
    // Focus the first required field that is still empty, so typing configures the node.
    const form = formRef.current;
    const empty = [...(form?.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(".rn-form .is-required input, .rn-form .is-required textarea") ?? [])].find((el) => el.value === "");
    empty?.focus();
  }, [focus]);
  if (!node) return null;

  const edit = (fn: (n: FlowNode) => FlowNode, transient = false) => change((d) => updateNode(d, nodeId, fn), { transient });
  const problemsAt = (path: string) => problemsFor(nodeProblems, path);
  const covered = [...fields.map((f) => `config.${f.key}`), ...settingsFields.map((f) => `settings.${f.key}`)];
  const loose = nodeProblems.filter((p) => !covered.some((path) => p.field === path || p.field.startsWith(`${path}.`)));
  const settings = (node.settings ?? {}) as Record<string, unknown>;

  return (
    <div className="rn-inspector-body" ref={formRef}>
      <header className={`rn-inspector-head cat-${type?.category ?? "unknown"}`}>
        <span className="rn-node-icon big" aria-hidden><Icon name={iconName(type?.icon, node.type, type?.category ?? "")} size={20} /></span>
        <div>
          <h2>{type?.title ?? node.type}</h2>
          <p className="rn-muted">{type?.description ?? "This node type is not in the catalog."}</p>
        </div>
        <button className="rn-icon-btn" title="Close (Esc)" onClick={() => select({})} aria-label="Close inspector">✕</button>
      </header>
      {loose.map((p) => (
        <p key={p.field + p.message} className="rn-field-problem" role="alert">{p.field ? `${p.field}: ` : ""}{p.message}</p>
      ))}
      <div className="rn-field">
        <label className="rn-field-label" htmlFor="node-name">Name</label>
        <input id="node-name" className="rn-input" value={node.name ?? ""} placeholder={type?.title ?? node.type}
          onChange={(e) => edit((n) => ({ ...n, name: e.target.value || undefined }), true)}
          onBlur={() => edit((n) => (n.name ? n : (({ name: _n, ...rest }) => rest)(n)))} />
      </div>
      {hasInput ? <p className="rn-muted">Expressions preview against this node's input in the run shown.</p> : null}
      <PreviewInput.Provider value={preview}>
      <form className="rn-form" onSubmit={(e) => e.preventDefault()}>
        {fields.map((spec) => (
          <Field key={spec.key} spec={spec} path={`config.${spec.key}`} value={node.config[spec.key]} problems={problemsAt}
            onChange={(value, transient) => edit((n) => ({ ...n, config: setKey(n.config, spec.key, value) }), transient)} />
        ))}
        {fields.length === 0 ? <p className="rn-muted">Nothing to configure.</p> : null}
      </form>
      </PreviewInput.Provider>
      <details className="rn-settings" open={nodeProblems.some((p) => p.field.startsWith("settings"))}>
        <summary>Retries, timeout and errors</summary>
        {settingsFields.map((spec) => (
          <Field key={spec.key} spec={spec} path={`settings.${spec.key}`} value={settings[spec.key]} problems={problemsAt}
            onChange={(value, transient) =>
              edit((n) => {
                const next = setKey((n.settings ?? {}) as Record<string, unknown>, spec.key, value);
                if (Object.keys(next).length > 0) return { ...n, settings: next };
                const { settings: _s, ...rest } = n;
                return rest;
              }, transient)
            } />
        ))}
      </details>
      <p className="rn-muted rn-node-id">id {node.id} · {node.type}</p>
    </div>
  );
}
