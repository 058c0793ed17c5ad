// The escape corpus again, this time the way users reach the sandbox: a code node in a flow
// on a real server process. Meanwhile health must keep answering, and afterwards the server's
// RSS must be back near where it started.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunWithSteps } from "../../engine/model/index.ts";
import { flow } from "../helpers/flows.ts";
import { startRealServer, type RealServer } from "../helpers/real-server.ts";
import { checkEscapeOutcome, ESCAPE_CORPUS, type EscapeCase } from "./escape-corpus.ts";

const MiB = 1024 * 1024;
const PARALLEL = 3;

describe("escape corpus through the code node on a real server", () => {
  let server: RealServer;
  beforeAll(async () => {
    server = await startRealServer();
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const rssMiB = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)![1]) / MiB;
  };

  async function runCase(c: Pick<EscapeCase, "source" | "options" | "input">): Promise<RunWithSteps | { rejected: number; code: string }> {
    const config: Record<string, unknown> = { source: c.source };
    if (c.options?.timeoutMs !== undefined) config.timeout = `${c.options.timeoutMs}ms`;
    if (c.options?.memoryBytes !== undefined) config.memoryMb = c.options.memoryBytes / MiB;
    const created = await api("POST", "/api/flows", flow("case", [{ id: "m", type: "manual" }, { id: "c", type: "code", config }], ["m->c"], false));
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const started = await api("POST", `/api/flows/${created.json.id}/run`, runBody(c.input ?? null));
    if (started.status !== 202) return { rejected: started.status, code: started.json.error.code };
    const deadline = Date.now() + 30_000;
    for (;;) {
      const run = (await api("GET", `/api/runs/${started.json.runId}`)).json as RunWithSteps;
      if (run.status === "succeeded" || run.status === "failed") return run;
      if (Date.now() > deadline) throw new Error(`run of ${c.source.slice(0, 40)} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("blocks every case, keeps serving, and returns to its baseline memory", async () => {
    for (let i = 0; i < 20; i++) await runCase({ source: "return { ...msg, n: msg.n * 2 }", input: { n: i } });
    const baseline = await rssMiB();

    let healthChecks = 0;
    let slowestHealthMs = 0;
    const healthStatuses = new Set<number>();
    let serving = true;
    const health = (async () => {
      while (serving) {
        const started = Date.now();
        healthStatuses.add((await fetch(`${server.url}/api/health`)).status);
        slowestHealthMs = Math.max(slowestHealthMs, Date.now() - started);
        healthChecks++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const started = Date.now();
    const queue = [...ESCAPE_CORPUS];
    let peak = baseline;
    const lanes = Array.from({ length: PARALLEL }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const c = asNodeCase(next);
        const run = await runCase(c);
        if ("rejected" in run) {
          // Input the API itself refuses (10k-deep nesting) never reaches the sandbox.
          expect([run.rejected, run.code], c.name).toEqual([400, "JSON_TOO_DEEP"]);
          continue;
        }
        const step = run.steps.find((s) => s.nodeId === "c")!;
        const out = step.outputs.out;
        const values = out === undefined ? [undefined] : out.length === 1 ? [out[0], out] : [out];
        checkEscapeOutcome(c, step.error ? { code: step.error.code, message: step.error.message, values: [] } : { values }, "code node");
        peak = Math.max(peak, await rssMiB());
      }
    });
    await Promise.all(lanes).finally(() => (serving = false));
    const corpusMs = Date.now() - started;
    await health;
    expect([...healthStatuses]).toEqual([200]);

    // The flow that runs after the corpus still works, and memory settles.
    const after = await runCase({ source: "return { ok: typeof process, polluted: ({}).polluted ?? null }" });
    expect("steps" in after && after.steps.find((s) => s.nodeId === "c")?.outputs.out).toEqual([{ ok: "undefined", polluted: null }]);
    let settled = await rssMiB();
    for (let i = 0; i < 20 && settled - baseline >= 32; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      settled = await rssMiB();
    }
    console.log(
      `code node corpus: ${ESCAPE_CORPUS.length} cases in ${corpusMs} ms; RSS baseline ${baseline.toFixed(0)} MiB, ` +
        `peak ${peak.toFixed(0)} MiB, after ${settled.toFixed(0)} MiB; ${healthChecks} health checks, slowest ${slowestHealthMs} ms`,
    );
    expect(slowestHealthMs).toBeLessThan(1_000);
    expect(healthChecks).toBeGreaterThan(corpusMs / 250);
    expect(settled - baseline).toBeLessThan(32);
  }, 60_000);
});

/** The run request's body; JSON.stringify gives up on the corpus's 5,000-deep input, so that one is written out. */
function runBody(payload: unknown): string {
  try {
    return JSON.stringify({ payload });
  } catch {
    const depth = 5000;
    return `{"payload":${"[".repeat(depth)}${"]".repeat(depth)}}`;
  }
}

/**
 * The code node exposes the time and memory limits only. A case that relied on another
 * option (a small output limit, a small stack) to fail fast may instead run into its time
 * limit on the node's defaults; that is blocked too, so it is accepted as well.
 */
function asNodeCase(c: EscapeCase): EscapeCase {
  const other = Object.keys(c.options ?? {}).filter((key) => key !== "timeoutMs" && key !== "memoryBytes");
  if (other.length === 0 || typeof c.expect !== "string") return c;
  // Serialising 3 million elements up to the default 4 Mi-character limit takes seconds: a
  // second is enough to show it ends in a typed error rather than an escape.
  const timeoutMs = Math.min(c.options?.timeoutMs ?? 1000, 1000);
  return { ...c, options: { ...c.options, timeoutMs }, expect: { anyOf: [c.expect, "CODE_TIMEOUT"] } };
}
