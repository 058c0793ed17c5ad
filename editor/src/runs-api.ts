import { z } from "zod";
import { RUN_STATUSES, STEP_STATUSES, type RunStatus } from "../../engine/model/index.ts";
import { request } from "./api-client.ts";

/** Typed wrappers around the run history API (DESIGN §10): list, counts, detail, retry, cancel. */

const errorSchema = z.object({ code: z.string().optional(), message: z.string() }).optional().nullable();

const runSchema = z.object({
  id: z.string(),
  flowId: z.string(),
  flowVersion: z.number().optional(),
  flowName: z.string().optional(),
  status: z.enum(RUN_STATUSES),
  triggerType: z.string().optional(),
  triggerNodeId: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional().nullable(),
  finishedAt: z.string().optional().nullable(),
  retryOf: z.string().optional().nullable(),
  error: errorSchema,
});
export type RunSummary = z.infer<typeof runSchema>;

const stepSchema = z.object({
  seq: z.number(),
  nodeId: z.string(),
  nodeType: z.string(),
  status: z.enum(STEP_STATUSES),
  input: z.unknown(),
  outputs: z.record(z.string(), z.array(z.unknown())),
  error: errorSchema,
  attempts: z.number(),
  startedAt: z.string(),
  finishedAt: z.string(),
  meta: z.record(z.string(), z.unknown()).optional().nullable(),
});
export type RunStep = z.infer<typeof stepSchema>;

const runDetailSchema = runSchema.extend({ steps: z.array(stepSchema) });
export type RunDetail = z.infer<typeof runDetailSchema>;

/** The filters of `GET /api/runs`; empty strings mean "any". */
export interface RunFilter {
  flowId?: string;
  status?: RunStatus | "";
  trigger?: string;
  q?: string;
  /** ISO date-times (or anything Date.parse reads). */
  since?: string;
  until?: string;
}

export interface RunPage {
  runs: RunSummary[];
  nextCursor: string | null;
}

const pageSchema = z.object({ runs: z.array(runSchema), nextCursor: z.string().nullable().optional() });

export function runQuery(filter: RunFilter, limit: number, cursor?: string): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) {
    const text = typeof value === "string" ? value.trim() : "";
    if (!text) continue;
    // datetime-local inputs have no zone: send the instant the user meant, in their zone.
    query.set(key, key === "since" || key === "until" ? new Date(text).toISOString() : text);
  }
  query.set("limit", String(limit));
  if (cursor) query.set("cursor", cursor);
  return query;
}

export async function listRuns(filter: RunFilter, limit = 50, cursor?: string): Promise<RunPage> {
  const page = await request(pageSchema, `/api/runs?${runQuery(filter, limit, cursor)}`);
  return { runs: page.runs, nextCursor: page.nextCursor ?? null };
}

const countsSchema = z.object({ counts: z.record(z.string(), z.record(z.string(), z.number())) });
export type RunCounts = Partial<Record<RunStatus, number>>;

/** Runs per status, summed over the flows asked for (one flow, or all). */
export async function countRuns(flowId?: string): Promise<RunCounts> {
  const query = flowId ? `?flowId=${encodeURIComponent(flowId)}` : "";
  const { counts } = await request(countsSchema, `/api/runs/counts${query}`);
  const total: RunCounts = {};
  for (const perFlow of Object.values(counts)) {
    for (const status of RUN_STATUSES) total[status] = (total[status] ?? 0) + (perFlow[status] ?? 0);
  }
  return total;
}

export function getRun(id: string): Promise<RunDetail> {
  return request(runDetailSchema, `/api/runs/${encodeURIComponent(id)}`);
}

export interface RetryOptions {
  fromNode?: string;
  version?: "current" | "original";
}

export async function retryRun(id: string, options: RetryOptions = {}): Promise<string> {
  const body = Object.keys(options).length ? JSON.stringify(options) : undefined;
  const answer = await request(z.object({ runId: z.string() }), `/api/runs/${encodeURIComponent(id)}/retry`, { method: "POST", body });
  return answer.runId;
}

export async function cancelRun(id: string): Promise<void> {
  await request(z.unknown(), `/api/runs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
}
