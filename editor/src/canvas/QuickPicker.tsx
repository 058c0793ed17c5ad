import { useMemo, useState, type KeyboardEvent } from "react";
import { useShallow } from "zustand/react/shallow";
import { editorStore, useEditor } from "../store/editor-store.ts";
import { searchCatalog } from "../store/catalog.ts";
import { Icon, iconName } from "../panels/Icon.tsx";
import { placeNode } from "./place-node.ts";

/** The node picker that quick connect opens where the user let go of a port. */
export function QuickPicker() {
  const { picker, types } = useEditor(useShallow((s) => ({ picker: s.picker, types: s.catalogList })));
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const candidates = useMemo(
    () => searchCatalog(picker?.from ? types.filter((t) => t.inputs.length > 0) : types, query),
    [types, query, picker?.from],
  );
  if (!picker) return null;
  const close = () => {
    setQuery("");
    editorStore.setState({ picker: null });
  };
  const choose = (index: number) => {
    const type = candidates[index];
    if (!type) return;
    setQuery("");
    setActive(0);
    placeNode(type, picker.flow, picker.from);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") close();
    else if (e.key === "ArrowDown") setActive((a) => Math.min(a + 1, candidates.length - 1));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(a - 1, 0));
    else if (e.key === "Enter") choose(active);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const left = Math.min(picker.screen.x, window.innerWidth - 280);
  const top = Math.min(picker.screen.y, window.innerHeight - 340);
  return (
    <div className="rn-picker" style={{ left, top }} role="dialog" aria-label="Add node" data-testid="quick-picker">
      <input
        autoFocus
        className="rn-input"
        placeholder={picker.from ? `Add after “${picker.from.port}”…` : "Add a node…"}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKey}
        onBlur={(e) => {
          if (!e.currentTarget.parentElement?.contains(e.relatedTarget)) close();
        }}
      />
      <ul className="rn-picker-list" role="listbox">
        {candidates.map((t, i) => (
          <li key={t.type}>
            <button
              className={`rn-picker-item cat-${t.category} ${i === active ? "is-active" : ""}`}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(i)}
              data-testid={`pick-${t.type}`}
            >
              <span className="rn-node-icon"><Icon name={iconName(t.icon, t.type, t.category)} /></span>
              <span className="rn-picker-text">
                <strong>{t.title}</strong>
                <small>{t.description}</small>
              </span>
            </button>
          </li>
        ))}
        {candidates.length === 0 ? <li className="rn-muted">No node matches “{query}”.</li> : null}
      </ul>
    </div>
  );
}
