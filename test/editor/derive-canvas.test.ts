import { describe, expect, it } from "vitest";
import { createDeriver } from "../../editor/src/canvas/to-react-flow.ts";
import { onNodesChange } from "../../editor/src/canvas/canvas-handlers.ts";
import { editorStore, openDoc, setCatalog } from "../../editor/src/store/editor-store.ts";
import { nodeTypes } from "./fixtures.ts";

const flow = {
  schemaVersion: 1 as const, name: "f", active: false,
  nodes: [
    { id: "a", type: "webhook", position: { x: 0, y: 0 }, config: { path: "a" } },
    { id: "b", type: "log", position: { x: 300, y: 0 }, config: {} },
  ],
  edges: [{ id: "ab", source: "a", sourcePort: "out", target: "b", targetPort: "in" }],
};

describe("canvas derivation", () => {
  it("hands React Flow the same arrays until an entity changes, and only that entity anew", () => {
    setCatalog(nodeTypes);
    openDoc(flow, true);
    const derive = createDeriver(() => editorStore.getState().measured);
    const slice = () => editorStore.getState();
    const nodes = derive.nodes(slice());
    const edges = derive.edges(slice());

    // React Flow measuring a node as it scrolls into view changes nothing the canvas re-derives.
    onNodesChange([{ type: "dimensions", id: "b", dimensions: { width: 210, height: 74 } }]);
    expect(editorStore.getState().measured.b).toEqual({ width: 210, height: 74 });
    expect(derive.nodes(slice())).toBe(nodes);
    expect(derive.edges(slice())).toBe(edges);

    // Selecting a node: one new node object (now carrying its measurement), edges untouched.
    onNodesChange([{ type: "select", id: "b", selected: true }]);
    const next = derive.nodes(slice());
    expect(next).not.toBe(nodes);
    expect(next[0]).toBe(nodes[0]);
    expect(next[1]).toMatchObject({ id: "b", selected: true, measured: { width: 210, height: 74 } });
    expect(derive.edges(slice())).toBe(edges);
  });
});
