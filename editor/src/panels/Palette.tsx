import { useMemo, useState, type DragEvent } from "react";
import { useReactFlow } from "@xyflow/react";
import { useEditor } from "../store/editor-store.ts";
import { CATEGORY_LABELS, searchCatalog, type NodeType } from "../store/catalog.ts";
import { NODE_CATEGORIES } from "../../../engine/model/index.ts";
import { Icon, iconName } from "./Icon.tsx";
import { continuationFrom, placeNode } from "../canvas/place-node.ts";

export const PALETTE_MIME = "application/x-runnel-node-type";

/** Node palette from the catalog: grouped by category, searchable by what nodes do. */
export function Palette() {
  const types = useEditor((s) => s.catalogList);
  const [query, setQuery] = useState("");
  const hits = useMemo(() => searchCatalog(types, query), [types, query]);
  const { screenToFlowPosition } = useReactFlow();

  const add = (type: NodeType) => {
    const next = continuationFrom(type);
    if (next) {
      placeNode(type, next.position, next.from);
      return;
    }
    const canvas = document.querySelector(".rn-canvas")?.getBoundingClientRect();
    const centre = canvas ? { x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 } : { x: 400, y: 300 };
    const p = screenToFlowPosition(centre);
    placeNode(type, { x: p.x - 100, y: p.y - 40 });
  };
  const onDragStart = (type: NodeType) => (e: DragEvent) => {
    e.dataTransfer.setData(PALETTE_MIME, type.type);
    e.dataTransfer.effectAllowed = "copy";
  };

  return (
    <section className="rn-palette" aria-label="Nodes">
      <div className="rn-section-head">
        <h2>Nodes</h2>
      </div>
      <input
        className="rn-input"
        type="search"
        placeholder="Search nodes (e.g. “if”, “http”)"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && hits[0]) add(hits[0]);
        }}
        data-testid="palette-search"
      />
      <div className="rn-palette-groups">
        {NODE_CATEGORIES.map((category) => {
          const group = hits.filter((t) => t.category === category);
          if (group.length === 0) return null;
          return (
            <div key={category} className="rn-palette-group">
              <h3>{CATEGORY_LABELS[category]}</h3>
              {group.map((t) => (
                <button
                  key={t.type}
                  className={`rn-palette-item cat-${t.category}`}
                  draggable
                  onDragStart={onDragStart(t)}
                  onClick={() => add(t)}
                  title={`${t.description}\nClick to add (after the selected node), or drag onto the canvas.`}
                  data-testid={`palette-${t.type}`}
                >
                  <span className="rn-node-icon" aria-hidden><Icon name={iconName(t.icon, t.type, t.category)} /></span>
                  <span className="rn-palette-text">
                    <strong>{t.title}</strong>
                    <small>{t.description}</small>
                  </span>
                </button>
              ))}
            </div>
          );
        })}
        {types.length > 0 && hits.length === 0 ? <p className="rn-muted">No node matches “{query}”.</p> : null}
        {types.length === 0 ? <p className="rn-muted">Loading nodes…</p> : null}
      </div>
    </section>
  );
}
