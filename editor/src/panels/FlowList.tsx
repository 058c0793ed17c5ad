import { useState } from "react";
import { useShallow } from "zustand/react/shallow";
import type { FlowDocument } from "../../../engine/model/index.ts";
import { useFlows } from "../store/flows-store.ts";
import { useEditor } from "../store/editor-store.ts";
import { duplicate, remove, rename } from "../store/persistence.ts";
import { flowPath, navigate } from "../router.ts";
import { Icon } from "./Icon.tsx";

/** Flows in the sidebar: open, create, rename (double-click), duplicate, delete, search. */
export function FlowList() {
  const { flows, error } = useFlows(useShallow((s) => ({ flows: s.flows, error: s.error })));
  const openId = useEditor((s) => s.doc.id);
  const [query, setQuery] = useState("");
  const [renaming, setRenaming] = useState<string | null>(null);
  const shown = flows.filter((f) => f.name.toLowerCase().includes(query.trim().toLowerCase()));

  const confirmDelete = (flow: FlowDocument) => {
    if (window.confirm(`Delete “${flow.name}”? Its run history stays until pruned.`)) void remove(flow);
  };

  return (
    <section className="rn-flowlist" aria-label="Flows">
      <div className="rn-section-head">
        <h2>Flows</h2>
        <button className="rn-btn small" onClick={() => navigate("/")} title="New flow" data-testid="new-flow">
          + New
        </button>
      </div>
      {flows.length > 5 ? (
        <input className="rn-input" type="search" placeholder="Search flows" value={query} onChange={(e) => setQuery(e.target.value)} />
      ) : null}
      <ul className="rn-flowlist-items">
        {shown.map((flow) => (
          <li key={flow.id} className={flow.id === openId ? "is-open" : ""}>
            {renaming === flow.id ? (
              <input
                className="rn-input"
                autoFocus
                defaultValue={flow.name}
                onKeyDown={(e) => {
                  if (e.key === "Enter") e.currentTarget.blur();
                  if (e.key === "Escape") setRenaming(null);
                }}
                onBlur={(e) => {
                  const name = e.target.value.trim();
                  setRenaming(null);
                  if (name && name !== flow.name) void rename(flow, name);
                }}
              />
            ) : (
              <a
                href={flowPath(flow.id)}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(flowPath(flow.id));
                }}
                onDoubleClick={() => setRenaming(flow.id)}
                title="Open (double-click to rename)"
              >
                <span className={`rn-dot ${flow.active ? "on" : ""}`} title={flow.active ? "active" : "inactive"} />
                <span className="rn-flow-name">{flow.name}</span>
              </a>
            )}
            <span className="rn-row-actions">
              <button className="rn-icon-btn" title="Duplicate" onClick={() => void duplicate(flow)} aria-label={`Duplicate ${flow.name}`}><Icon name="duplicate" size={13} /></button>
              <button className="rn-icon-btn" title="Delete" onClick={() => confirmDelete(flow)} aria-label={`Delete ${flow.name}`}><Icon name="trash" size={13} /></button>
            </span>
          </li>
        ))}
      </ul>
      {error ? <p className="rn-error-text">Could not load flows: {error}</p> : null}
      {!error && flows.length === 0 ? <p className="rn-muted">No saved flows yet.</p> : null}
    </section>
  );
}
