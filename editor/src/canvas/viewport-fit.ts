import type { FlowNode } from "../../../engine/model/index.ts";
import { NODE_WIDTH } from "./node-geometry.ts";

export interface Rect { x: number; y: number; width: number; height: number }
export interface Viewport { x: number; y: number; zoom: number }

/**
 * Fitting is computed from the document, not from React Flow's measurements: nodes that
 * were never on screen are not measured (by design, see node-geometry.ts), so React Flow's
 * own fitView would only see the few that were.
 */
export function boundsOf(nodes: readonly FlowNode[], size: (id: string) => { width: number; height: number } | undefined): Rect | undefined {
  if (nodes.length === 0) return undefined;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const n of nodes) {
    const s = size(n.id) ?? { width: NODE_WIDTH, height: 80 };
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + s.width);
    maxY = Math.max(maxY, n.position.y + s.height);
  }
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

export function viewportFor(rect: Rect, box: { width: number; height: number }, options = { padding: 0.12, minZoom: 0.1, maxZoom: 1 }): Viewport {
  const usableW = box.width * (1 - 2 * options.padding);
  const usableH = box.height * (1 - 2 * options.padding);
  const zoom = Math.max(options.minZoom, Math.min(options.maxZoom, usableW / Math.max(rect.width, 1), usableH / Math.max(rect.height, 1)));
  return {
    zoom,
    x: box.width / 2 - (rect.x + rect.width / 2) * zoom,
    y: box.height / 2 - (rect.y + rect.height / 2) * zoom,
  };
}

/**
 * What to show when a flow opens: all of it if that stays readable (zoom ≥ 0.35), else its
 * first trigger at the left edge at a readable zoom — where reading a flow starts (fitting
 * 1,000 nodes would draw them all, tiny).
 */
export function openingViewport(
  nodes: readonly FlowNode[],
  isTrigger: (n: FlowNode) => boolean,
  size: (id: string) => { width: number; height: number } | undefined,
  box: { width: number; height: number },
): Viewport | undefined {
  const all = boundsOf(nodes, size);
  if (!all) return undefined;
  const whole = viewportFor(all, box);
  if (whole.zoom >= 0.35) return whole;
  const start = nodes.find(isTrigger) ?? nodes[0]!;
  const zoom = 0.6;
  return { zoom, x: 60 - start.position.x * zoom, y: box.height / 2 - (start.position.y + 40) * zoom };
}
