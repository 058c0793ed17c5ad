import { useMemo } from "react";
import { ViewportPortal } from "@xyflow/react";
import { useEditor } from "../store/editor-store.ts";

/** The grid reaches this far beyond the flow (flow units), in steps of STEP. */
const MARGIN = 50_000;
const STEP = 25_000;

/**
 * The dotted canvas background, drawn in flow coordinates inside the viewport: it moves
 * and scales with the nodes, so a pan repaints nothing. React Flow's `<Background>` is an
 * SVG pattern over the pane that it shifts on every pan frame, which repainted (and, without
 * a GPU, re-rasterised) the whole canvas each frame.
 *
 * Being the viewport's first and largest paint, it also keeps the moving viewport one
 * compositor layer: Chromium splits content whose bounds are sparse (a long edge, a row of
 * nodes) into layers of their own, and re-creating those as nodes come and go re-rasterised
 * them in bursts. It is opaque, so the page under it is not drawn while the viewport moves.
 */
export function DotGrid({ gap = 20, size = 1.2 }: { gap?: number; size?: number }) {
  const nodes = useEditor((s) => s.doc.nodes);
  const extent = useMemo(() => extentOf(nodes), [nodes]);
  return (
    <ViewportPortal>
      <div
        className="rn-dotgrid"
        aria-hidden
        style={{
          ...extent,
          backgroundSize: `${gap}px ${gap}px`,
          backgroundImage: `radial-gradient(circle at ${gap / 2}px ${gap / 2}px, var(--rn-dot) ${size / 2}px, transparent ${size / 2 + 0.4}px)`,
        }}
      />
    </ViewportPortal>
  );
}

/** The grid's rectangle: it changes (and the grid repaints) only when the flow outgrows it. */
function extentOf(nodes: readonly { position: { x: number; y: number } }[]) {
  let minX = 0, minY = 0, maxX = 0, maxY = 0;
  for (const n of nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x);
    maxY = Math.max(maxY, n.position.y);
  }
  const lo = (v: number) => Math.floor((v - MARGIN) / STEP) * STEP;
  const hi = (v: number) => Math.ceil((v + MARGIN) / STEP) * STEP;
  return { left: lo(minX), top: lo(minY), width: hi(maxX) - lo(minX), height: hi(maxY) - lo(minY) };
}
