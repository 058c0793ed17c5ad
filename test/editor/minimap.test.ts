import { describe, expect, it } from "vitest";
import { minimapShapes, minimapView } from "../../editor/src/canvas/minimap-shapes.ts";
import { catalogFrom } from "../../editor/src/store/catalog.ts";
import { nodeTypes } from "./fixtures.ts";

const catalog = catalogFrom(nodeTypes);
const node = (id: string, type: string, x: number, y: number) => ({ id, type, position: { x, y }, config: {} });

describe("minimap", () => {
  it("draws one path per colour however many nodes, sized by measurement or estimate", () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${i}`, i === 0 ? "webhook" : i % 3 ? "log" : "filter", (i % 40) * 280, Math.floor(i / 40) * 140));
    const notes = [{ id: "a", text: "hi", position: { x: -400, y: -300 }, width: 100, height: 50 }];
    const shapes = minimapShapes(nodes, notes, catalog, { n999: { width: 300, height: 100 } });
    expect(shapes.paths.map((p) => p.fill).sort()).toEqual(["var(--cat-action)", "var(--cat-logic)", "var(--cat-trigger)", "var(--note-bg)"]);
    expect(shapes.paths.reduce((sum, p) => sum + p.d.split("M").length - 1, 0)).toBe(1001);
    // n999 sits at (10920, 3360) and was measured 300 wide, 100 high.
    expect(shapes.bounds).toEqual({ x: -400, y: -300, width: 10920 + 300 + 400, height: 3360 + 100 + 300 });
    expect(minimapShapes([], [], catalog, {}).bounds).toBeNull();
  });

  it("frames the flow and the visible part of it, like React Flow's MiniMap", () => {
    // Flow 0..1000 × 0..500; the canvas (800 × 600 at zoom 1) shows 0..800 × 0..600.
    const view = minimapView({ x: 0, y: 0, width: 1000, height: 500 }, [0, 0, 1], { width: 800, height: 600 }, { width: 200, height: 150 });
    expect(view.visible).toEqual({ x: 0, y: 0, width: 800, height: 600 });
    expect(view.scale).toBe(5); // 1000 flow units over 200 px
    // Framed: 0..1000 × 0..600, centred in 200 × 150 px at 5 units/px, 5 px (25 units) margin.
    expect(view.viewBox).toEqual({ x: -25, y: -100, width: 1050, height: 800 });
  });
});
