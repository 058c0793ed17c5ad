import { describe, expect, it } from "vitest";
import { checkConnection } from "../../editor/src/canvas/connection-rules.ts";
import { autoLayout } from "../../editor/src/canvas/auto-layout.ts";
import { catalogFrom, outputPortsOf, searchCatalog } from "../../editor/src/store/catalog.ts";
import { fieldsOf } from "../../editor/src/panels/schema-fields.ts";
import { initialConfig } from "../../editor/src/store/doc-actions.ts";
import { nodeTypes } from "./fixtures.ts";

const catalog = catalogFrom(nodeTypes);
const nodes = [
  { id: "a", type: "webhook", position: { x: 0, y: 0 }, config: {} },
  { id: "b", type: "filter", position: { x: 0, y: 0 }, config: {} },
  { id: "c", type: "log", position: { x: 0, y: 0 }, config: {} },
];
const edges = [
  { id: "e1", source: "a", sourcePort: "out", target: "b", targetPort: "in" },
  { id: "e2", source: "b", sourcePort: "out", target: "c", targetPort: "in" },
];
const attempt = (source: string, sourcePort: string, target: string) => checkConnection({ source, sourcePort, target, targetPort: "in" }, { nodes, edges }, catalog);

describe("connection rules", () => {
  it("accepts a new edge and refuses with a reason", () => {
    expect(attempt("b", "rejected", "c")).toEqual({ ok: true });
    expect(attempt("c", "out", "c")).toMatchObject({ ok: false, reason: expect.stringMatching(/itself/) });
    expect(attempt("c", "out", "a")).toMatchObject({ ok: false, reason: expect.stringMatching(/trigger/) });
    expect(attempt("a", "out", "b")).toMatchObject({ ok: false, reason: expect.stringMatching(/already connected/) });
    expect(attempt("c", "out", "b")).toMatchObject({ ok: false, reason: expect.stringMatching(/loop/) });
    expect(attempt("c", "nope", "b")).toMatchObject({ ok: false });
  });
});

describe("ports and search", () => {
  it("derives switch ports from rules and adds error when continuing", () => {
    const sw = catalog.get("switch");
    expect(outputPortsOf(sw, { config: { rules: [{ port: "a", condition: "x" }, { port: "b", condition: "y" }] } })).toEqual(["a", "b", "default"]);
    expect(outputPortsOf(catalog.get("filter"), { config: {}, settings: { onError: "continue" } })).toEqual(["out", "rejected", "error"]);
  });
  it("finds nodes by what they do", () => {
    expect(searchCatalog(nodeTypes, "condition")[0]!.type).toBe("filter");
    expect(searchCatalog(nodeTypes, "if").map((t) => t.type)).toContain("filter");
    expect(searchCatalog(nodeTypes, "log")[0]!.type).toBe("log");
  });
  it("starts nodes from schema defaults and proposes a webhook path", () => {
    expect(initialConfig(catalog.get("log")!)).toEqual({ level: "info", message: "{{ $string(body) }}" });
    expect(initialConfig(catalog.get("webhook")!).path).toMatch(/^webhook-/);
  });
});

describe("schema → form", () => {
  it("maps JSON Schema properties to field kinds", () => {
    const fields = fieldsOf({
      type: "object",
      properties: {
        condition: { type: "string", format: "jsonata", description: "truthy passes" },
        message: { type: "string", format: "template" },
        window: { type: "string", default: "24h" },
        method: { type: "string", enum: ["GET", "POST"], default: "POST" },
        headers: { type: "object", propertyNames: { type: "string" }, additionalProperties: { type: "string" } },
        count: { type: "integer", minimum: 1, maximum: 9007199254740991 },
        on: { type: "boolean" },
        scope: { anyOf: [{ type: "string", enum: ["node", "flow"] }, { type: "string" }] },
        rules: { type: "array", items: { type: "object", properties: { port: { type: "string" } } } },
        auth: { oneOf: [
          { type: "object", properties: { type: { type: "string", const: "none" } } },
          { type: "object", properties: { type: { type: "string", const: "header" }, header: { type: "string" } } },
        ] },
        payload: {},
      },
      required: ["condition"],
    });
    const kinds = Object.fromEntries(fields.map((f) => [f.key, f.kind]));
    expect(kinds).toEqual({
      condition: "expression", message: "template", window: "duration", method: "select", headers: "keyvalue",
      count: "number", on: "boolean", scope: "select", rules: "list", auth: "variant", payload: "json",
    });
    expect(fields[0]).toMatchObject({ required: true, description: "truthy passes", label: "Condition" });
    expect(fields.find((f) => f.key === "count")).toMatchObject({ integer: true, minimum: 1 });
    expect(fields.find((f) => f.key === "count")!.maximum).toBeUndefined();
    expect(fields.find((f) => f.key === "scope")).toMatchObject({ freeText: true, options: ["node", "flow"] });
    expect(fields.find((f) => f.key === "auth")!.variants!.cases.map((c) => c.value)).toEqual(["none", "header"]);
  });
});

describe("auto-layout", () => {
  it("puts each node right of its predecessors", () => {
    const pos = autoLayout(nodes, edges);
    expect(pos.get("a")!.x).toBeLessThan(pos.get("b")!.x);
    expect(pos.get("b")!.x).toBeLessThan(pos.get("c")!.x);
  });
});
