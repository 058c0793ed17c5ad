import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../api/app.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { appFor, dedupeStep, outcomeOf, runOnce, type Harness } from "./helpers.ts";

/** manual → several dedupe nodes side by side, all keyed on `id`, each with its own scope setting. */
function fanOut(name: string, scopes: Record<string, string>) {
  const ids = Object.keys(scopes);
  return flow(
    name,
    [{ id: "m", type: "manual" }, ...ids.map((id) => ({ id, type: "dedupe", config: { key: "id", scope: scopes[id] } }))],
    ids.map((id) => `m->${id}`),
  );
}

describe("dedupe scopes and the operator API", () => {
  let h: Harness;
  let app: App;

  beforeEach(async () => {
    h = await engineHarness({ engine: { keyPruning: false } });
    app = appFor(h);
  });
  afterEach(async () => h.close());

  const api = async (method: string, query: Record<string, string>) => {
    const res = await app.request(`/api/dedupe?${new URLSearchParams(query)}`, { method });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("keeps node scopes apart, shares flow scopes within a flow and namespaces across flows", async () => {
    const a = await h.engine.flows.create(fanOut("A", { nodeA: "node", nodeB: "node", flow1: "flow", flow2: "flow", ns: "orders" }));
    const b = await h.engine.flows.create(fanOut("B", { nodeA: "node", flow1: "flow", ns: "orders" }));

    const runA = await runOnce(h, a, { id: 1 });
    const port = (run: typeof runA, nodeId: string) => outcomeOf(run, nodeId);
    expect(["nodeA", "nodeB", "flow1", "flow2", "ns"].map((n) => port(runA, n))).toEqual(["out", "out", "out", "duplicate", "out"]);
    expect(dedupeStep(runA, "nodeA").meta?.scope).toBe(`node:${a.id}:nodeA`);
    expect(dedupeStep(runA, "flow2").meta).toMatchObject({ scope: `flow:${a.id}`, firstRunId: runA.id });
    expect(dedupeStep(runA, "ns").meta?.scope).toBe("ns:orders");

    const runB = await runOnce(h, b, { id: 1 });
    expect(["nodeA", "flow1", "ns"].map((n) => port(runB, n))).toEqual(["out", "out", "duplicate"]);
    expect(dedupeStep(runB, "ns").meta).toMatchObject({ scope: "ns:orders", firstRunId: runA.id });

    const again = await runOnce(h, a, { id: 1 });
    expect(["nodeA", "nodeB", "flow1", "flow2", "ns"].map((n) => port(again, n))).toEqual(Array(5).fill("duplicate"));
    expect(port(await runOnce(h, a, { id: 2 }), "ns")).toBe("out");
  });

  it("shows a key's state, clears one key or a whole scope, and re-admits the event", async () => {
    const a = await h.engine.flows.create(fanOut("A", { d: "flow", ns: "orders" }));
    const first = await runOnce(h, a, { id: "k1" });
    for (const id of ["k2", "k3"]) await runOnce(h, a, { id });

    const shown = await api("GET", { scope: "ns:orders", key: "k1" });
    expect(shown.status).toBe(200);
    const seenAt = Date.parse(String(shown.body.firstSeenAt));
    expect(shown.body).toEqual({
      scope: "ns:orders",
      key: "k1",
      runId: first.id,
      firstSeenAt: new Date(seenAt).toISOString(),
      expiresAt: new Date(seenAt + 24 * 3_600_000).toISOString(),
      releaseOnFailure: true,
    });
    expect((await api("GET", { scope: "ns:orders", key: "nope" })).status).toBe(404);
    expect((await api("GET", { scope: "ns:other", key: "k1" })).status).toBe(404);

    expect(await api("DELETE", { scope: "ns:orders", key: "k1" })).toEqual({ status: 200, body: { scope: "ns:orders", key: "k1", removed: 1 } });
    expect((await api("DELETE", { scope: "ns:orders", key: "k1" })).body.removed).toBe(0);
    expect(await api("DELETE", { scope: `flow:${a.id}` })).toEqual({ status: 200, body: { scope: `flow:${a.id}`, removed: 3 } });
    expect((await api("GET", { scope: `flow:${a.id}`, key: "k2" })).status).toBe(404);

    const readmitted = await runOnce(h, a, { id: "k1" });
    expect([outcomeOf(readmitted, "d"), outcomeOf(readmitted, "ns")]).toEqual(["out", "out"]);
    expect(outcomeOf(await runOnce(h, a, { id: "k3" }), "ns")).toBe("duplicate");
  });

  it("answers 400 for a request without scope, and for a GET without key", async () => {
    expect((await api("GET", { key: "k" })).body.error).toMatchObject({ code: "INVALID_REQUEST" });
    expect((await api("GET", { scope: "ns:x" })).status).toBe(400);
    expect((await api("DELETE", {})).status).toBe(400);
  });
});
