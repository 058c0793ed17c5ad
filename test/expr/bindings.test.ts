import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";

type Harness = Awaited<ReturnType<typeof engineHarness>>;

describe("expression bindings and templates in a run", () => {
  let h: Harness;
  beforeAll(async () => (h = await engineHarness({ fakeClock: true })));
  afterAll(async () => h.close());

  it("binds $run, $flow, $now() (the engine's clock) and $node(name or id) in expressions and templates", async () => {
    const input = flow(
      "Bindings",
      [
        { id: "m", type: "manual", name: "Start" },
        { id: "a", type: "transform", name: "Price", config: { expression: '{ "net": amount * 0.8 }' } },
        {
          id: "b",
          type: "transform",
          config: {
            expression:
              '{ "run": $run, "flow": $flow, "now": $now(), "start": $node("Start").amount, "price": $node("Price").net, "byId": $node("a").net, "unknown": $node("Nope") }',
          },
        },
        { id: "l", type: "log", config: { message: "{{ $run }} of {{ $flow.name }} v{{ $flow.version }} at {{ $now() }}: {{ $node(\"Price\").net }}" } },
      ],
      ["m->a", "a->b", "b->l"],
    );
    const { flow: saved, runId } = await h.startFlow(input, { amount: 10 });
    await h.finished(runId);
    const run = (await h.store.getRun(runId))!;
    const now = new Date(h.clock!.now()).toISOString();
    expect(run.steps[2]!.outputs.out).toEqual([
      { run: runId, flow: { id: saved.id, name: "Bindings", version: 1 }, now, start: 10, price: 8, byId: 8 },
    ]);
    expect(run.steps[3]!.meta).toEqual({ logged: `${runId} of Bindings v1 at ${now}: 8` });
  });

  it("turns an expression error into a step error naming the expression and its position", async () => {
    const input = flow(
      "Broken",
      [{ id: "m", type: "manual" }, { id: "t", type: "transform", config: { expression: '{ "total": price + 1 }' } }],
      ["m->t"],
    );
    const run = await h.runFlow(input, { price: "ten" });
    expect(run.status).toBe("failed");
    expect(run.steps[1]!.error).toMatchObject({
      code: "EXPRESSION_ERROR",
      attempt: 1,
      details: { expression: '{ "total": price + 1 }', position: expect.any(Number) },
    });
    expect(run.steps[1]!.error!.message).toMatch(/^expression "\{ \\"total\\": price \+ 1 \}" failed at position \d+: /);

    const template = flow(
      "Broken template",
      [{ id: "m", type: "manual" }, { id: "l", type: "log", config: { message: "n = {{ $number(n) }}" } }],
      ["m->l"],
    );
    const failed = await h.runFlow(template, { n: "x" });
    expect(failed.steps[1]!.error).toMatchObject({ code: "EXPRESSION_ERROR", details: { expression: "$number(n)" } });
  });

  it("refuses a flow whose expression or template does not parse, naming node and field", async () => {
    const input = flow(
      "Syntax",
      [{ id: "m", type: "manual" }, { id: "t", type: "transform", config: { expression: "body.(" } }, { id: "l", type: "log", config: { message: "{{ ] }}" } }],
      ["m->t", "t->l"],
    );
    const error = await h.engine.flows.create(input).catch((e) => e);
    expect(error.code).toBe("INVALID_FLOW");
    expect(error.details.problems.map((p: { nodeId: string; field: string }) => `${p.nodeId}.${p.field}`)).toEqual(["t.config.expression", "l.config.message"]);
    expect(error.details.problems[0].message).toMatch(/at position \d+/);
  });

  it("passes data that looks like an expression through verbatim, never evaluating it", async () => {
    const input = flow(
      "Verbatim",
      [
        { id: "m", type: "manual" },
        { id: "l", type: "log", config: { message: "note: {{ note }}" } },
        { id: "t", type: "transform", config: { expression: '{ "copy": note, "joined": note & " / " & $string(items) }' } },
        { id: "s", type: "split", config: { path: "items" } },
        { id: "sw", type: "switch", config: { rules: [{ port: "x", condition: "item = '{{ $run }}'" }] } },
      ],
      ["m->l", "l->t", "m->s", "s->sw"],
    );
    const note = "{{ $run }} and {{ $flow.id }} and $now()";
    const run = await h.runFlow(input, { note, items: ["{{ $run }}"] });
    expect(run.status).toBe("succeeded");
    const byNode = (id: string) => run.steps.find((s) => s.nodeId === id)!;
    expect(byNode("l").meta).toEqual({ logged: `note: ${note}` });
    expect(byNode("t").outputs.out).toEqual([{ copy: note, joined: `${note} / ["{{ $run }}"]` }]);
    expect(byNode("sw").outputs).toEqual({ x: [{ item: "{{ $run }}", index: 0, total: 1 }] });
  });
});
