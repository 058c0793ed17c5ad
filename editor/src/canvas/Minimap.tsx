import { memo, useEffect, useMemo, useRef, type PointerEvent } from "react";
import { Panel, useReactFlow, useStore, useStoreApi, type ReactFlowState } from "@xyflow/react";
import { shallow } from "zustand/shallow";
import { editorStore, useEditor } from "../store/editor-store.ts";
import { minimapShapes, minimapView, type MinimapShapes } from "./minimap-shapes.ts";

const SIZE = { width: 200, height: 150 };
const isMac = typeof navigator !== "undefined" && /Mac/.test(navigator.userAgent);
const selectPane = (s: ReactFlowState) => ({ transform: s.transform, width: s.width, height: s.height });

/**
 * The overview in the corner, drawn from the document: a few paths instead of React Flow's
 * MiniMap, which renders and subscribes one component per node — 1,000 store selectors
 * run on every pan frame and 1,000 elements mount with the flow. Looks and handles like it:
 * drag to move the view, wheel to zoom.
 */
export function Minimap() {
  const nodes = useEditor((s) => s.doc.nodes);
  const notes = useEditor((s) => s.doc.notes);
  const catalog = useEditor((s) => s.catalog);
  // Measurements are read, not subscribed to: a node's size differs little from its estimate.
  const shapes = useMemo(() => minimapShapes(nodes, notes ?? [], catalog, editorStore.getState().measured), [nodes, notes, catalog]);
  const { transform, width, height } = useStore(selectPane, shallow);
  const view = minimapView(shapes.bounds, transform, { width, height }, SIZE);
  const { viewBox: box, visible } = view;

  const store = useStoreApi();
  const { setViewport, zoomTo } = useReactFlow();
  const scale = useRef(view.scale);
  scale.current = view.scale;
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);

  const onPointerDown = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x: e.clientX, y: e.clientY };
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    if (!drag.current) return;
    const [x, y, zoom] = store.getState().transform;
    // The same step as React Flow's MiniMap: the view rectangle follows the pointer.
    const step = scale.current * Math.max(zoom, Math.log(zoom));
    void setViewport({ x: x - (e.clientX - drag.current.x) * step, y: y - (e.clientY - drag.current.y) * step, zoom });
    drag.current = { x: e.clientX, y: e.clientY };
  };
  const onPointerUp = () => (drag.current = null);
  useEffect(() => {
    // Not React's onWheel: that listener is passive and cannot keep the page from scrolling.
    const el = svg.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const delta = -e.deltaY * (e.deltaMode === 1 ? 0.05 : e.deltaMode ? 1 : 0.002) * (e.ctrlKey && isMac ? 10 : 1);
      void zoomTo(store.getState().transform[2] * Math.pow(2, delta));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [store, zoomTo]);

  const outer = `M${box.x - box.width},${box.y - box.height}h${box.width * 3}v${box.height * 3}h${-box.width * 3}z`;
  const inner = `M${visible.x},${visible.y}h${visible.width}v${visible.height}h${-visible.width}z`;
  return (
    <Panel position="top-right" className="react-flow__minimap" data-testid="minimap">
      <svg
        ref={svg}
        width={SIZE.width}
        height={SIZE.height}
        viewBox={`${box.x} ${box.y} ${box.width} ${box.height}`}
        className="react-flow__minimap-svg"
        role="img"
        aria-label="Minimap"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        <MinimapNodes paths={shapes.paths} />
        <path className="react-flow__minimap-mask" d={`${outer} ${inner}`} fillRule="evenodd" pointerEvents="none" />
      </svg>
    </Panel>
  );
}

/** Memoised apart from the view, so a pan re-renders only the mask. */
const MinimapNodes = memo(function MinimapNodes({ paths }: { paths: MinimapShapes["paths"] }) {
  return paths.map((p) => <path key={p.fill} className="react-flow__minimap-node" d={p.d} style={{ fill: p.fill }} shapeRendering="crispEdges" />);
});
