import type { FlowEdge, FlowNode } from "../../../engine/model/index.ts";

export interface LayoutOptions {
  columnGap: number;
  rowGap: number;
  size: (id: string) => { width: number; height: number };
}

const DEFAULTS: LayoutOptions = { columnGap: 90, rowGap: 40, size: () => ({ width: 200, height: 72 }) };

/**
 * Layered left-to-right layout for a DAG (Sugiyama-lite): column = longest path from a
 * source, order within a column by the barycentre of predecessors, a few sweeps both
 * ways to cut crossings. Flows are small and acyclic, so this is enough and needs no
 * dependency. Returns new positions; nodes on a cycle (invalid flows) keep column 0.
 */
export function autoLayout(
  nodes: readonly Pick<FlowNode, "id" | "position">[],
  edges: readonly Pick<FlowEdge, "source" | "target">[],
  options: Partial<LayoutOptions> = {},
): Map<string, { x: number; y: number }> {
  const opts = { ...DEFAULTS, ...options };
  const ids = nodes.map((n) => n.id);
  const known = new Set(ids);
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target) continue;
    succs.get(e.source)!.push(e.target);
    preds.get(e.target)!.push(e.source);
  }
  const column = longestPathColumns(ids, preds, succs);
  const columns: string[][] = [];
  // Start from the current vertical order so a re-layout keeps the user's mental map.
  const byY = [...nodes].sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x);
  for (const n of byY) (columns[column.get(n.id)!] ??= []).push(n.id);
  for (let sweep = 0; sweep < 4; sweep++) {
    const forward = sweep % 2 === 0;
    const order = forward ? columns.keys() : [...columns.keys()].reverse().values();
    for (const c of order) {
      const col = columns[c];
      if (!col) continue;
      const rank = rankIn(columns, forward ? c - 1 : c + 1);
      const neighbours = forward ? preds : succs;
      const bary = new Map(col.map((id, i) => [id, barycentre(neighbours.get(id)!, rank) ?? i]));
      col.sort((a, b) => bary.get(a)! - bary.get(b)!);
    }
  }
  const positions = new Map<string, { x: number; y: number }>();
  let x = 0;
  for (const col of columns) {
    if (!col) continue;
    const width = Math.max(...col.map((id) => opts.size(id).width));
    const heights = col.map((id) => opts.size(id).height);
    const total = heights.reduce((a, b) => a + b, 0) + opts.rowGap * (col.length - 1);
    let y = -total / 2;
    col.forEach((id, i) => {
      positions.set(id, { x: Math.round(x), y: Math.round(y) });
      y += heights[i]! + opts.rowGap;
    });
    x += width + opts.columnGap;
  }
  return positions;
}

function longestPathColumns(ids: string[], preds: Map<string, string[]>, succs: Map<string, string[]>): Map<string, number> {
  const column = new Map<string, number>();
  const indegree = new Map(ids.map((id) => [id, preds.get(id)!.length]));
  const ready = ids.filter((id) => indegree.get(id) === 0);
  for (const id of ready) column.set(id, 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    for (const next of succs.get(id)!) {
      column.set(next, Math.max(column.get(next) ?? 0, column.get(id)! + 1));
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  for (const id of ids) if (!column.has(id)) column.set(id, 0);
  return column;
}

function rankIn(columns: string[][], c: number): Map<string, number> {
  return new Map((columns[c] ?? []).map((id, i) => [id, i]));
}

function barycentre(neighbours: string[], rank: Map<string, number>): number | undefined {
  const ranks = neighbours.map((id) => rank.get(id)).filter((r): r is number => r !== undefined);
  return ranks.length === 0 ? undefined : ranks.reduce((a, b) => a + b, 0) / ranks.length;
}
