import { useCallback, useEffect, useMemo, useRef, type DragEvent } from "react";
import {
  ControlButton, Controls, ReactFlow, useReactFlow,
  type FinalConnectionState, type InternalNode,
} from "@xyflow/react";
import { useShallow } from "zustand/react/shallow";
import { editorStore, useEditor } from "../store/editor-store.ts";
import { FlowNodeView } from "./FlowNodeView.tsx";
import { NoteView } from "./NoteView.tsx";
import { ConnectionHint } from "./ConnectionHint.tsx";
import { DotGrid } from "./DotGrid.tsx";
import { FlowEdge } from "./FlowEdge.tsx";
import { Minimap } from "./Minimap.tsx";
import { QuickPicker } from "./QuickPicker.tsx";
import { createDeriver, type CanvasNode } from "./to-react-flow.ts";
import { connect, isValidConnection, onConnect, onDelete, onEdgesChange, onNodesChange } from "./canvas-handlers.ts";
import { placeNode } from "./place-node.ts";
import { PALETTE_MIME } from "../panels/Palette.tsx";
import { boundsOf, openingViewport, viewportFor } from "./viewport-fit.ts";

const nodeTypes = { runnel: FlowNodeView, note: NoteView };
const edgeTypes = { default: FlowEdge };
const state = editorStore.getState;
const deriver = createDeriver(() => state().measured);

/** The canvas: a view of the store. */
export function Canvas({ dark }: { dark: boolean }) {
  // While the viewport moves it gets its own compositor layer (canvas.css): a pan then
  // moves pixels instead of repainting every node and edge. Not kept on at rest, where
  // Chromium would keep the layer's raster scale and zoomed text would stay blurred.
  const wrapper = useRef<HTMLDivElement>(null);
  const onMoveStart = useCallback(() => wrapper.current?.classList.add("is-moving"), []);
  const onMoveEnd = useCallback(() => wrapper.current?.classList.remove("is-moving"), []);
  // Not `measured`: React Flow keeps its own measurements (see to-react-flow.ts).
  const slice = useEditor(
    useShallow((s) => ({ doc: s.doc, catalog: s.catalog, selection: s.selection, problems: s.problems, run: s.run })),
  );
  const nodes = useMemo(() => deriver.nodes(slice), [slice]);
  const edges = useMemo(() => deriver.edges(slice), [slice]);
  const { screenToFlowPosition, flowToScreenPosition, setViewport, setCenter, getZoom } = useReactFlow();
  const fitDoc = useCallback(
    (all: boolean, duration = 0) => {
      const { doc, measured, catalog } = state();
      const box = document.querySelector(".rn-canvas")?.getBoundingClientRect();
      const size = (id: string) => measured[id];
      const rect = boundsOf(doc.nodes, size);
      if (!box || !rect) return;
      const viewport = all ? viewportFor(rect, box) : openingViewport(doc.nodes, (n) => catalog.get(n.type)?.category === "trigger", size, box);
      if (viewport) void setViewport(viewport, { duration });
    },
    [setViewport],
  );
  const revealId = useEditor((s) => s.revealId);
  useEffect(() => {
    if (!revealId) return;
    const frame = requestAnimationFrame(() => {
      editorStore.setState({ revealId: null });
      const node = state().doc.nodes.find((n) => n.id === revealId);
      const box = document.querySelector(".rn-canvas")?.getBoundingClientRect();
      if (!node || !box) return;
      const size = state().measured[revealId] ?? { width: 210, height: 80 };
      const a = flowToScreenPosition(node.position);
      const b = flowToScreenPosition({ x: node.position.x + size.width + 40, y: node.position.y + size.height });
      const inside = a.x >= box.left && a.y >= box.top && b.x <= box.right && b.y <= box.bottom;
      if (inside) return;
      // Small flows: show all of it; large ones: bring the new node to the centre.
      if (state().doc.nodes.length <= 30) fitDoc(true, 200);
      else void setCenter(node.position.x + size.width / 2, node.position.y + size.height / 2, { zoom: getZoom(), duration: 200 });
    });
    return () => cancelAnimationFrame(frame);
  }, [revealId, flowToScreenPosition, setCenter, getZoom, fitDoc]);
  const openSeq = useEditor((s) => s.openSeq);
  useEffect(() => {
    if (openSeq > 0) requestAnimationFrame(() => fitDoc(false));
  }, [openSeq, fitDoc]);

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, cs: FinalConnectionState<InternalNode>) => {
      if (cs.isValid === true || !cs.fromHandle || !cs.fromNode) return;
      if (cs.toHandle) {
        // Let go on a port the rules refuse: keep the reason on screen after the drag.
        const [src, dst] = cs.fromHandle.type === "source" ? [cs.fromHandle, cs.toHandle] : [cs.toHandle, cs.fromHandle];
        connect({ source: src.nodeId, sourcePort: src.id ?? "out", target: dst.nodeId, targetPort: dst.id ?? "in" });
        return;
      }
      const point = "changedTouches" in event ? event.changedTouches[0]! : event;
      const target = (event.target as Element | null)?.closest?.(".react-flow__node");
      const targetId = target?.getAttribute("data-id");
      if (cs.fromHandle.type !== "source") return;
      const from = { nodeId: cs.fromNode.id, port: cs.fromHandle.id ?? "out" };
      if (targetId && targetId !== from.nodeId && !targetId.startsWith("note:")) {
        // Dropped on a node's body: join its first input, or say why not.
        const type = state().catalog.get(state().doc.nodes.find((n) => n.id === targetId)?.type ?? "");
        connect({ source: from.nodeId, sourcePort: from.port, target: targetId, targetPort: type?.inputs[0] ?? "in" });
        return;
      }
      if (targetId) return;
      const flow = screenToFlowPosition({ x: point.clientX, y: point.clientY });
      editorStore.setState({
        picker: { screen: { x: point.clientX, y: point.clientY }, flow: { x: flow.x, y: flow.y - 30 }, from },
      });
    },
    [screenToFlowPosition],
  );

  const onDrop = useCallback(
    (event: DragEvent) => {
      const typeName = event.dataTransfer.getData(PALETTE_MIME);
      const type = state().catalog.get(typeName);
      if (!type) return;
      event.preventDefault();
      const p = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      placeNode(type, { x: p.x - 100, y: p.y - 30 });
    },
    [screenToFlowPosition],
  );

  return (
    <div className="rn-canvas" ref={wrapper} onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<CanvasNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onDelete={onDelete}
        isValidConnection={isValidConnection}
        onPaneClick={() => editorStore.setState({ picker: null })}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        onlyRenderVisibleElements
        panOnScroll
        colorMode={dark ? "dark" : "light"}
        connectionRadius={28}
        deleteKeyCode={["Delete", "Backspace"]}
        multiSelectionKeyCode={["Shift", "Meta", "Control"]}
        selectionKeyCode="Shift"
        minZoom={0.1}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        defaultEdgeOptions={{ interactionWidth: 18 }}
      >
        <DotGrid gap={20} size={1.2} />
        {slice.doc.nodes.length > 0 ? <Minimap /> : null}
        <Controls showInteractive={false} showFitView={false}>
          <ControlButton onClick={() => fitDoc(true, 200)} title="Fit the whole flow" aria-label="fit view">
            <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.5}><path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" /></svg>
          </ControlButton>
        </Controls>
        <ConnectionHint />
      </ReactFlow>
      {slice.doc.nodes.length === 0 ? (
        <div className="rn-empty" data-testid="empty-state">
          <strong>Start with a trigger</strong>
          <span>Click <em>Webhook</em> in the palette (or drag it here), then drag from its output to add the next step.</span>
        </div>
      ) : null}
      <QuickPicker />
    </div>
  );
}
