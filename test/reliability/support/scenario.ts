import type { DatabaseFacts } from "./invariants.ts";
import type { Sender } from "./sender.ts";
import type { Sink } from "./sink.ts";

/** webhook → log: a flow with no side effects, for tests about the queue itself. */
export function logFlow(path: string) {
  return {
    schemaVersion: 1,
    name: `durability ${path}`,
    active: true,
    nodes: [
      { id: "w", type: "webhook", position: { x: 0, y: 0 }, config: { path } },
      { id: "l", type: "log", position: { x: 220, y: 0 }, config: { level: "debug" } },
    ],
    edges: [{ id: "e1", source: "w", sourcePort: "out", target: "l", targetPort: "in" }],
  };
}

/** webhook → dedupe → http(sink): the flow the chaos and crash-point tests drive. */
export function effectFlow(sinkUrl: string, path: string) {
  return {
    schemaVersion: 1,
    name: `durability ${path}`,
    active: true,
    nodes: [
      // A 1 ms ingress window: every redelivery becomes a run, so the dedupe node must decide.
      { id: "w", type: "webhook", position: { x: 0, y: 0 }, config: { path, idempotencyWindow: "1ms" } },
      { id: "d", type: "dedupe", position: { x: 220, y: 0 }, config: { key: "body.id", window: "24h" } },
      { id: "h", type: "http", position: { x: 440, y: 0 }, config: { method: "POST", url: `${sinkUrl}/effect`, body: "{ 'id': body.id }" } },
    ],
    edges: [
      { id: "e1", source: "w", sourcePort: "out", target: "d", targetPort: "in" },
      { id: "e2", source: "d", sourcePort: "out", target: "h", targetPort: "in" },
    ],
  };
}

export async function createFlow(baseUrl: string, doc: unknown): Promise<string> {
  const res = await fetch(`${baseUrl}/api/flows`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(doc) });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 201 || !body.id) throw new Error(`creating the flow failed: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

export interface Tally {
  kills: number;
  eventsSent: number;
  eventsAcknowledged: number;
  requests: number;
  failedRequests: number;
  runs: number;
  lost: number;
  duplicateEffects: number;
  extraAttemptBound: number;
}

/**
 * DESIGN §5's promises as checks: every acknowledged event has a succeeded run and reached
 * the sink, the dedupe node let each id through exactly once, repeated side effects stay
 * within kills × 2 × concurrency (a kill repeats the calls of runs still executing, at most
 * `concurrency`, and of runs whose final write was committing, at most as many again: see
 * Worker.hasCapacity), and the database is whole. Returns the tally and any breach.
 */
export function checkPromises(facts: DatabaseFacts, sink: Sink, sender: Sender, kills: number, workerConcurrency: number) {
  const problems: string[] = [];
  const sinkIds = sink.ids();
  const keysPerId = sink.keysPerId();
  let lost = 0;
  for (const id of sender.acked) {
    const runs = facts.runsByEvent.get(id) ?? [];
    const succeeded = runs.filter((r) => r.status === "succeeded").length;
    if (succeeded === 0 || !sinkIds.has(id)) lost++;
    if (succeeded === 0) problems.push(`acknowledged ${id} has no succeeded run (${JSON.stringify(runs)})`);
    if (runs.length !== succeeded) problems.push(`${id} has unfinished or failed runs: ${JSON.stringify(runs)}`);
    const passes = facts.dedupePassesByEvent.get(id) ?? 0;
    if (passes !== 1) problems.push(`${id} passed dedupe ${passes} times`);
    if (!sinkIds.has(id)) problems.push(`the sink never saw acknowledged ${id}`);
    if ((keysPerId.get(id)?.size ?? 0) > 1) problems.push(`${id} reached the sink from ${keysPerId.get(id)!.size} executions`);
  }
  for (const id of sinkIds) if (!sender.sent.has(id)) problems.push(`the sink saw ${id}, which was never sent`);
  const extra = sink.extraAttempts();
  const bound = kills * 2 * workerConcurrency;
  if (extra > bound) problems.push(`${extra} repeated side effects, more than kills × 2 × concurrency = ${bound}`);
  if (facts.integrity !== "ok") problems.push(`integrity_check: ${facts.integrity}`);
  if (facts.orphanSteps !== 0) problems.push(`${facts.orphanSteps} steps without a run`);
  if (facts.unfinished !== 0) problems.push(`${facts.unfinished} runs unfinished`);
  let runs = 0;
  for (const list of facts.runsByEvent.values()) runs += list.length;
  const tally: Tally = {
    kills,
    eventsSent: sender.sent.size,
    eventsAcknowledged: sender.acked.size,
    requests: sender.requests,
    failedRequests: sender.failedRequests,
    runs,
    lost,
    duplicateEffects: extra,
    extraAttemptBound: bound,
  };
  return { tally, problems };
}

/** A small seeded PRNG, so a failing schedule can be replayed with RUNNEL_TEST_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
