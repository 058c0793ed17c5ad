import { describe, expect, it } from "vitest";
import { applyDiff, diffDocs, invertDiff } from "../../editor/src/store/doc-diff.ts";
import { addEdge, addNote, emptyDoc, moveNodes, removeElements, updateNode, type WorkingDoc } from "../../editor/src/store/doc-actions.ts";
import { addNode } from "../../editor/src/store/doc-actions.ts";
import { nodeTypes } from "./fixtures.ts";

const [webhook, filter, , log] = nodeTypes as [typeof nodeTypes[0], typeof nodeTypes[0], unknown, typeof nodeTypes[0]];

function build(): WorkingDoc {
  let doc = emptyDoc("Demo");
  const a = addNode(doc, webhook, { x: 0, y: 0 });
  const b = addNode(a.doc, filter, { x: 200, y: 0 });
  const c = addNode(b.doc, log, { x: 400, y: 0 });
  doc = addEdge(c.doc, { source: a.id, sourcePort: "out", target: b.id, targetPort: "in" }).doc;
  return addEdge(doc, { source: b.id, sourcePort: "out", target: c.id, targetPort: "in" }).doc;
}

describe("document diffs", () => {
  it("round-trips a removal in the middle exactly (order kept)", () => {
    const before = build();
    const middle = before.nodes[1]!.id;
    const after = removeElements(before, { nodes: [middle] });
    expect(after.nodes).toHaveLength(2);
    expect(after.edges).toHaveLength(0);
    const diff = diffDocs(before, after);
    expect(applyDiff(before, diff)).toEqual(after);
    expect(applyDiff(after, invertDiff(diff))).toEqual(before);
  });

  it("records only what changed", () => {
    const before = build();
    const after = moveNodes(before, new Map([[before.nodes[0]!.id, { x: 5, y: 6 }]]));
    const diff = diffDocs(before, after);
    expect(diff).toHaveLength(1);
    expect(applyDiff(after, invertDiff(diff))).toEqual(before);
  });

  it("handles name, config and notes appearing", () => {
    const before = build();
    let after = updateNode({ ...before, name: "Renamed" }, before.nodes[1]!.id, (n) => ({ ...n, config: { condition: "x" } }));
    after = addNote(after, { x: 1, y: 2 }).doc;
    const diff = diffDocs(before, after);
    expect(applyDiff(before, diff)).toEqual(after);
    const back = applyDiff(after, invertDiff(diff));
    expect(back).toEqual(before);
    expect("notes" in back).toBe(false);
  });

  it("falls back to swapping a reordered collection", () => {
    const before = build();
    const after = { ...before, nodes: [...before.nodes].reverse() };
    const diff = diffDocs(before, after);
    expect(applyDiff(before, diff)).toEqual(after);
    expect(applyDiff(after, invertDiff(diff))).toEqual(before);
  });
});
