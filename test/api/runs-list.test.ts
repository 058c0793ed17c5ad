import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Run, RunWithSteps } from "../../engine/model/index.ts";
import { startAppServer, type AppServer } from "../helpers/app-server.ts";
import { flow } from "../helpers/flows.ts";

type Page = { runs: Run[]; nextCursor: string | null };
type ErrorBody = { error: { code: string; message: string } };

let server: AppServer;
const flowIds: Record<"hook" | "manual" | "broken", string> = { hook: "", manual: "", broken: "" };
/** Every run this file started, oldest first. */
const started: string[] = [];

async function startRun(kind: keyof typeof flowIds, payload: unknown): Promise<string> {
  const res =
    kind === "hook"
      ? await fetch(`${server.url}/hooks/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) })
      : await fetch(`${server.url}/api/flows/${flowIds[kind]}/run`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ payload }) });
  expect(res.status).toBe(202);
  const { runId } = (await res.json()) as { runId: string };
  started.push(runId);
  await server.finished(runId);
  return runId;
}

const list = async (query: string) => (await server.api<Page>("GET", `/api/runs${query}`)).body;
const ids = async (query: string) => (await list(query)).runs.map((r) => r.id);

beforeAll(async () => {
  server = await startAppServer();
  const create = async (input: unknown) => (await server.api<{ id: string }>("POST", "/api/flows", input)).body.id;
  flowIds.hook = await create(flow("Orders", [{ id: "w", type: "webhook", config: { path: "orders" } }, { id: "l", type: "log" }], ["w->l"]));
  flowIds.manual = await create(flow("By hand", [{ id: "m", type: "manual" }, { id: "l", type: "log" }], ["m->l"]));
  flowIds.broken = await create(flow("Broken", [{ id: "m", type: "manual" }, { id: "t", type: "transform", config: { expression: "$nope()" } }], ["m->t"]));
  await startRun("hook", { customer: "Ada Lovelace", total: 12 });
  await startRun("manual", { note: "first by hand" });
  await startRun("broken", { customer: "Grace Hopper" });
  await startRun("hook", { customer: "Alan Turing", total: 99 });
  await startRun("manual", { note: "second by hand, for ADA" });
});
afterAll(async () => server?.close());

describe("GET /api/runs", () => {
  it("lists runs newest first, each with its flow's name", async () => {
    const page = await list("");
    expect(page.runs.map((r) => r.id)).toEqual([...started].reverse());
    expect(page.nextCursor).toBeNull();
    expect(page.runs[0]).toMatchObject({ flowId: flowIds.manual, flowName: "By hand", triggerType: "manual", status: "succeeded" });
  });

  it("filters by flow, status, trigger type and text in the trigger message", async () => {
    expect(await ids(`?flowId=${flowIds.hook}`)).toEqual([started[3], started[0]]);
    expect(await ids("?status=failed")).toEqual([started[2]]);
    expect(await ids(`?status=succeeded&flowId=${flowIds.manual}`)).toEqual([started[4], started[1]]);
    expect(await ids("?trigger=webhook")).toEqual([started[3], started[0]]);
    expect(await ids("?trigger=manual&status=failed")).toEqual([started[2]]);
    expect(await ids("?trigger=schedule")).toEqual([]);
    expect(await ids("?q=ada")).toEqual([started[4], started[0]]);
    expect(await ids(`?q=${encodeURIComponent("Grace Hopper")}`)).toEqual([started[2]]);
    expect(await ids("?q=&status=&flowId=&trigger=")).toHaveLength(5);
    expect(await ids(`?q=ada&flowId=${flowIds.hook}`)).toEqual([started[0]]);
  });

  it("filters by a time range given as ISO dates or milliseconds", async () => {
    const all = (await list("")).runs;
    const since = Date.parse(all[3]!.createdAt);
    const until = Date.parse(all[1]!.createdAt);
    const expected = all.filter((r) => Date.parse(r.createdAt) >= since && Date.parse(r.createdAt) < until).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(await ids(`?since=${since}&until=${until}`)).toEqual(expected);
    expect(await ids(`?since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`)).toEqual(expected);
    expect(await ids(`?since=${Date.parse(all[0]!.createdAt) + 1}`)).toEqual([]);
    expect(await ids(`?until=${since}`)).toEqual(all.filter((r) => Date.parse(r.createdAt) < since).map((r) => r.id));
  });

  it("pages with a cursor that stays exact while new runs arrive between fetches", async () => {
    const before = [...started].reverse();
    const served: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.runs.length).toBeLessThanOrEqual(2);
      served.push(...page.runs.map((r) => r.id));
      await startRun("manual", { note: "arrived while paging" });
      cursor = page.nextCursor;
    } while (cursor);
    expect(served).toEqual(before);
    // The new runs are on the first page now.
    expect((await ids("?limit=3")).every((id) => !before.includes(id))).toBe(true);
  });

  it("answers 400 with the field for bad filters", async () => {
    for (const query of ["?status=done", "?since=yesterday", "?until=2026-13-45", "?limit=0", "?limit=501", "?cursor=garbage"]) {
      const res = await server.api<ErrorBody & { error: { details: { problems: { field: string }[] } } }>("GET", `/api/runs${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("INVALID_REQUEST");
      expect(res.body.error.details.problems[0]!.field).toBe(query.slice(1, query.indexOf("=")));
    }
  });
});

describe("GET /api/runs/counts and /api/runs/:id", () => {
  it("counts runs per status per flow, for all flows or one", async () => {
    const { body } = await server.api<{ counts: Record<string, Record<string, number>> }>("GET", "/api/runs/counts");
    const zero = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 };
    const manualRuns = started.length - 3;
    expect(body.counts).toEqual({
      [flowIds.hook]: { ...zero, succeeded: 2 },
      [flowIds.manual]: { ...zero, succeeded: manualRuns },
      [flowIds.broken]: { ...zero, failed: 1 },
    });
    expect((await server.api("GET", `/api/runs/counts?flowId=${flowIds.broken}`)).body).toEqual({ counts: { [flowIds.broken]: { ...zero, failed: 1 } } });
    expect((await server.api("GET", "/api/runs/counts?flowId=flw_unknown")).body).toEqual({ counts: { flw_unknown: zero } });
  });

  it("shows a run with its steps, inputs resolved, and 404 for an unknown id", async () => {
    const { status, body } = await server.api<RunWithSteps>("GET", `/api/runs/${started[2]}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: started[2], status: "failed", error: { details: { nodeId: "t" } } });
    expect(body.steps).toHaveLength(2);
    expect(body.steps[0]).toMatchObject({ seq: 1, nodeId: "m", input: null, outputs: { out: [{ customer: "Grace Hopper" }] } });
    expect(body.steps[1]).toMatchObject({ seq: 2, nodeId: "t", status: "failed", input: { customer: "Grace Hopper" }, attempts: 1 });
    expect(body.steps[1]!.error?.message).toBeTruthy();
    const missing = await server.api<ErrorBody>("GET", "/api/runs/run_missing");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
  });
});
