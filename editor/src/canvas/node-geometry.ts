import { Position, type NodeHandle } from "@xyflow/react";

/**
 * Where FlowNodeView's handles sit, computed from its CSS (node 210 px wide, header 45 px,
 * port rows 20 px + 2 px gap). React Flow renders every node once to measure it unless it
 * already knows its handles; with these estimates a 1,000-node flow opens by rendering
 * only what is on screen. A node's real measurement replaces the estimate once it renders.
 */
export const NODE_WIDTH = 210;
const TOP = 45;
const ROW = 22;
const HANDLE = 11;

export function estimateGeometry(inputs: readonly string[], outputs: readonly string[]): { width: number; height: number; handles: NodeHandle[] } {
  const rows = Math.max(inputs.length, outputs.length, 1);
  const content = rows * ROW - 2;
  const column = (count: number, i: number) => TOP + (content - (count * ROW - 2)) / 2 + i * ROW + 10 - HANDLE / 2;
  const handles: NodeHandle[] = [
    ...inputs.map((id, i) => ({ id, type: "target" as const, position: Position.Left, x: -HANDLE / 2 + 1, y: column(inputs.length, i), width: HANDLE, height: HANDLE })),
    ...outputs.map((id, i) => ({ id, type: "source" as const, position: Position.Right, x: NODE_WIDTH - HANDLE / 2 - 1, y: column(outputs.length, i), width: HANDLE, height: HANDLE })),
  ];
  return { width: NODE_WIDTH, height: TOP + content + 9, handles };
}
