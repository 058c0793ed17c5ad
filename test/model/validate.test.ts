import { describe, expect, it } from "vitest";
import { validateFlow, type FlowProblem } from "../../engine/model/index.ts";
import { Catalog } from "../../engine/nodes/index.ts";
import { flow } from "../helpers/flows.ts";

const catalog = new Catalog().view;
const problemsOf = (raw: unknown, options = {}): FlowProblem[] => {
  const result = validateFlow(raw, catalog, options);
  return result.ok ? [] : result.problems;
};

describe("validateFlow", () => {
  it("accepts a well-formed flow and fills defaults", () => {
    const result = validateFlow(
      flow("ok", [{ id: "w", type: "webhook", config: { path: "a" } }, { id: "f", type: "filter", config: { condition: "true" } }], ["w->f"]),
      catalog,
    );
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.flow.edges[0]).toMatchObject({ sourcePort: "out", targetPort: "in" });
  });

  it("reports every problem at once, each with its node or edge and field", () => {
    const problems = problemsOf({
      name: "broken",
      active: true,
      nodes: [
        { id: "w1", type: "webhook", config: { path: "same" } },
        { id: "w2", type: "webhook", config: { path: "/same/" } },
        { id: "x", type: "teleport" },
        { id: "f", type: "filter", config: { condition: "body.(" } },
        { id: "t", type: "transform", config: {} },
        { id: "l", type: "log", settings: { timeout: "soon" } },
      ],
      edges: [
        { id: "e1", source: "w1", sourcePort: "nope", target: "f" },
        { id: "e2", source: "f", target: "ghost" },
        { id: "e3", source: "f", target: "w2" },
      ],
    });
    const summary = problems.map((p) => `${p.nodeId ?? p.edgeId ?? "-"}|${p.field}`);
    expect(summary).toEqual(
      expect.arrayContaining([
        "w2|config.path",
        "x|type",
        "f|config.condition",
        "t|config.expression",
        "l|settings.timeout",
        "w1|sourcePort",
        "e2|target",
        "w2|target",
      ]),
    );
    expect(problems.find((p) => p.nodeId === "f" && p.field === "config.condition")?.message).toMatch(/position/);
  });

  it("finds cycles and flows without a trigger", () => {
    const problems = problemsOf(
      flow("loop", [{ id: "a", type: "log" }, { id: "b", type: "log" }], ["a->b", "b->a"]),
    );
    expect(problems.filter((p) => p.message.includes("cycle")).map((p) => p.nodeId).sort()).toEqual(["a", "b"]);
    expect(problems.some((p) => p.message.includes("no trigger"))).toBe(true);
  });

  it("refuses a webhook route another active flow already serves, but not when inactive", () => {
    const f = flow("x", [{ id: "w", type: "webhook", config: { path: "orders/:id", method: "POST" } }], []);
    const taken = { takenRoutes: (r: { method: string; path: string }) => (r.path === "orders/:" && r.method === "POST" ? "flw_other" : undefined) };
    expect(problemsOf(f, taken)).toEqual([
      expect.objectContaining({ nodeId: "w", field: "config.path", message: expect.stringContaining("flw_other") }),
    ]);
    expect(problemsOf({ ...f, active: false }, taken)).toEqual([]);
  });

  it("names the offending node for malformed documents", () => {
    const problems = problemsOf({ name: "", nodes: [{ id: "n1", type: 5 }], edges: "no" });
    expect(problems.map((p) => `${p.nodeId ?? "-"}|${p.field}`)).toEqual(expect.arrayContaining(["-|name", "n1|type", "-|edges"]));
  });
});
