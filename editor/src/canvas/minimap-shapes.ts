import type { FlowNode, StickyNote } from "../../../engine/model/index.ts";
import { inputPortsOf, outputPortsOf, type Catalog } from "../store/catalog.ts";
import { estimateGeometry } from "./node-geometry.ts";
import type { Rect } from "./viewport-fit.ts";

export interface MinimapShapes {
  /** Bounds of everything drawn, or null for an empty flow. */
  bounds: Rect | null;
  /** One SVG path per fill: a 1,000-node flow is a handful of elements, not 1,000. */
  paths: { fill: string; d: string }[];
}

type Size = { width: number; height: number };

/**
 * The minimap's picture of the document: every node and note as a rectangle, grouped by
 * colour (the node's category; notes in the note colour). Sizes are React Flow's
 * measurements where a node has been on screen, else the estimate it opens with.
 */
export function minimapShapes(
  nodes: readonly FlowNode[],
  notes: readonly StickyNote[],
  catalog: Catalog,
  measured: Readonly<Record<string, Size>>,
): MinimapShapes {
  const byFill = new Map<string, string[]>();
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const add = (fill: string, x: number, y: number, w: number, h: number) => {
    let parts = byFill.get(fill);
    if (!parts) byFill.set(fill, (parts = []));
    parts.push(`M${Math.round(x)},${Math.round(y)}h${Math.round(w)}v${Math.round(h)}h${-Math.round(w)}z`);
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + w);
    maxY = Math.max(maxY, y + h);
  };
  for (const note of notes) add("var(--note-bg)", note.position.x, note.position.y, note.width ?? 220, note.height ?? 140);
  for (const node of nodes) {
    const type = catalog.get(node.type);
    const size = measured[node.id] ?? estimateGeometry(inputPortsOf(type), outputPortsOf(type, node));
    add(`var(--cat-${type?.category ?? "unknown"})`, node.position.x, node.position.y, size.width, size.height);
  }
  return {
    bounds: byFill.size ? { x: minX, y: minY, width: maxX - minX, height: maxY - minY } : null,
    paths: [...byFill].map(([fill, parts]) => ({ fill, d: parts.join("") })),
  };
}

export interface MinimapView {
  /** The SVG viewBox, in flow coordinates. */
  viewBox: Rect;
  /** The part of the flow the canvas shows. */
  visible: Rect;
  /** Flow units per minimap pixel. */
  scale: number;
}

/**
 * What the minimap frames (as React Flow's own MiniMap does): the flow and the visible
 * part of it, centred, with a margin of `margin` minimap pixels.
 */
export function minimapView(
  bounds: Rect | null,
  transform: readonly [number, number, number],
  pane: Size,
  size: Size,
  margin = 5,
): MinimapView {
  const [tx, ty, zoom] = transform;
  const visible = { x: (0 - tx) / zoom, y: (0 - ty) / zoom, width: pane.width / zoom, height: pane.height / zoom };
  const box = bounds ? union(bounds, visible) : visible;
  const scale = Math.max(box.width / size.width, box.height / size.height);
  const offset = margin * scale;
  const width = scale * size.width, height = scale * size.height;
  return {
    viewBox: { x: box.x - (width - box.width) / 2 - offset, y: box.y - (height - box.height) / 2 - offset, width: width + 2 * offset, height: height + 2 * offset },
    visible,
    scale,
  };
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}
