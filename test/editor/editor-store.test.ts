import { beforeEach, describe, expect, it } from "vitest";
import {
  change, editorStore, isDirty, openDoc, redoChange, setCatalog, undoChange,
} from "../../editor/src/store/editor-store.ts";
import { addEdge, addNode, emptyDoc, moveNodes, removeElements, updateNode } from "../../editor/src/store/doc-actions.ts";
import { copyFragment, parseFragment, pasteFragment } from "../../editor/src/store/clipboard.ts";
import { nodeTypes } from "./fixtures.ts";

const doc = () => editorStore.getState().doc;
const type = (name: string) => nodeTypes.find((t) => t.type === name)!;

beforeEach(() => {
  setCatalog(nodeTypes);
  openDoc(emptyDoc(), false);
});

describe("editor store history", () => {
  it("undoes and redoes every edit back to the exact document", () => {
    const snapshots = [doc()];
    let ids: string[] = [];
    change((d) => { const r = addNode(d, type("webhook"), { x: 0, y: 0 }); ids.push(r.id); return r.doc; });
    snapshots.push(doc());
    change((d) => { const r = addNode(d, type("filter"), { x: 200, y: 0 }); ids.push(r.id); return r.doc; });
    snapshots.push(doc());
    change((d) => addEdge(d, { source: ids[0]!, sourcePort: "out", target: ids[1]!, targetPort: "in" }).doc);
    snapshots.push(doc());
    change((d) => updateNode(d, ids[1]!, (n) => ({ ...n, config: { condition: "body.ok" } })));
    snapshots.push(doc());
    change((d) => removeElements(d, { nodes: [ids[0]!] }));
    snapshots.push(doc());
    for (let i = snapshots.length - 2; i >= 0; i--) {
      undoChange();
      expect(doc()).toEqual(snapshots[i]);
    }
    for (let i = 1; i < snapshots.length; i++) {
      redoChange();
      expect(doc()).toEqual(snapshots[i]);
    }
    ids = [];
  });

  it("records a drag as one undo step", () => {
    let id = "";
    change((d) => { const r = addNode(d, type("log"), { x: 0, y: 0 }); id = r.id; return r.doc; });
    const before = doc();
    const past = editorStore.getState().history.past.length;
    for (let x = 1; x <= 20; x++) change((d) => moveNodes(d, new Map([[id, { x, y: x }]])), { transient: true });
    change((d) => d);
    expect(editorStore.getState().history.past.length).toBe(past + 1);
    expect(doc().nodes[0]!.position).toEqual({ x: 20, y: 20 });
    undoChange();
    expect(doc()).toEqual(before);
  });

  it("prunes edges from ports that disappear, inside the same undo step", () => {
    let sw = "";
    let lg = "";
    change((d) => { const r = addNode(d, type("switch"), { x: 0, y: 0 }); sw = r.id; return r.doc; });
    change((d) => { const r = addNode(d, type("log"), { x: 0, y: 0 }); lg = r.id; return r.doc; });
    change((d) => updateNode(d, sw, (n) => ({ ...n, config: { rules: [{ port: "big", condition: "x > 1" }] } })));
    change((d) => addEdge(d, { source: sw, sourcePort: "big", target: lg, targetPort: "in" }).doc);
    const connected = doc();
    change((d) => updateNode(d, sw, (n) => ({ ...n, config: { rules: [] } })));
    expect(doc().edges).toHaveLength(0);
    undoChange();
    expect(doc()).toEqual(connected);
  });

  it("knows when there are unsaved edits", () => {
    expect(isDirty(editorStore.getState())).toBe(false);
    change((d) => addNode(d, type("log"), { x: 0, y: 0 }).doc);
    expect(isDirty(editorStore.getState())).toBe(true);
    openDoc({ ...doc(), id: "f1", version: 1 }, true);
    expect(isDirty(editorStore.getState())).toBe(false);
    change((d) => ({ ...d, name: "x" }));
    expect(isDirty(editorStore.getState())).toBe(true);
    undoChange();
    expect(isDirty(editorStore.getState())).toBe(false);
  });
});

describe("copy/paste as flow JSON", () => {
  it("cut + paste gives back the exact document; paste over itself gets new ids and an offset", () => {
    const ids: string[] = [];
    change((d) => { const r = addNode(d, type("webhook"), { x: 0, y: 0 }); ids.push(r.id); return r.doc; });
    change((d) => { const r = addNode(d, type("log"), { x: 300, y: 0 }); ids.push(r.id); return r.doc; });
    change((d) => addEdge(d, { source: ids[0]!, sourcePort: "out", target: ids[1]!, targetPort: "in" }).doc);
    const original = doc();
    const text = JSON.stringify(copyFragment(original, new Set(ids), new Set()));
    const fragment = parseFragment(text)!;
    expect(fragment.nodes).toHaveLength(2);
    const emptied = removeElements(original, { nodes: ids });
    expect(pasteFragment(emptied, fragment).doc).toEqual(original);
    const doubled = pasteFragment(original, fragment);
    expect(doubled.doc.nodes).toHaveLength(4);
    expect(new Set(doubled.doc.nodes.map((n) => n.id)).size).toBe(4);
    expect(doubled.doc.nodes[2]!.position).toEqual({ x: 40, y: 40 });
    expect(doubled.doc.edges[1]!.source).toBe(doubled.nodeIds[0]);
  });

  it("ignores clipboard text that is not a flow fragment", () => {
    expect(parseFragment("hello")).toBeUndefined();
    expect(parseFragment(JSON.stringify({ nodes: [] }))).toBeUndefined();
  });
});

describe("before the catalog has loaded", () => {
  it("keeps edges from ports it cannot know yet", () => {
    setCatalog([]);
    openDoc({ ...emptyDoc(), nodes: [
      { id: "f", type: "filter", position: { x: 0, y: 0 }, config: {} },
      { id: "l", type: "log", position: { x: 0, y: 0 }, config: {} },
    ], edges: [{ id: "e", source: "f", sourcePort: "rejected", target: "l", targetPort: "in" }] }, true);
    change((d) => ({ ...d, name: "edited early" }));
    expect(doc().edges).toHaveLength(1);
  });
});
