import { describe, expect, it } from "vitest";
import { boundsOf, openingViewport, viewportFor } from "../../editor/src/canvas/viewport-fit.ts";
import { estimateGeometry } from "../../editor/src/canvas/node-geometry.ts";

const node = (id: string, x: number, y: number, type = "log") => ({ id, type, position: { x, y }, config: {} });

describe("opening viewport", () => {
  it("fits a small flow, never zooming past 100 %", () => {
    const vp = viewportFor(boundsOf([node("a", 0, 0)], () => undefined)!, { width: 800, height: 600 });
    expect(vp.zoom).toBe(1);
    expect(vp.x).toBeCloseTo(400 - 105);
  });
  it("starts a flow too wide to read at its trigger, readable", () => {
    const nodes = Array.from({ length: 200 }, (_, i) => node(`n${i}`, i * 300, 0, i === 5 ? "webhook" : "log"));
    const vp = openingViewport(nodes, (n) => n.type === "webhook", () => undefined, { width: 800, height: 600 })!;
    expect(vp.zoom).toBeGreaterThanOrEqual(0.5);
    expect(vp.x + 1500 * vp.zoom).toBeCloseTo(60);
  });
});

describe("estimated node geometry", () => {
  it("matches the measured filter node (2 outputs) within a pixel", () => {
    // Measured in Chromium: 210 × 96, in at y 60.5, out at 49.5, rejected at 71.5.
    const g = estimateGeometry(["in"], ["out", "rejected"]);
    expect(g.height).toBeCloseTo(96, 0);
    const y = Object.fromEntries(g.handles.map((h) => [h.id, h.y]));
    expect(y.in).toBeCloseTo(60.5, 0);
    expect(y.out).toBeCloseTo(49.5, 0);
    expect(y.rejected).toBeCloseTo(71.5, 0);
  });
});
