import type { Bindings } from "../expr/index.ts";
import type { Message, PortOutputs, StepError } from "../model/index.ts";
import type { Clock } from "../runtime/clock.ts";
import type { ClaimedRun, FrontierItem, StepRecord } from "../store/types.ts";
import type { CompiledFlow, CompiledNode } from "./compiled-flow.ts";
import { DEFAULT_RUN_LIMITS, journalBytes, sizeOutputs, type RunLimits, type SizedOutputs } from "./limits.ts";
import { isoTime } from "../iso-time.ts";

export type SizeCheck =
  | ({ kind: "sized" } & SizedOutputs)
  | { kind: "invalid"; error: StepError }
  | { kind: "over-budget"; bytes: number; total: number };

/** The in-memory view of a run's journal and frontier while it executes. */
export class RunState {
  readonly outputs = new Map<number, PortOutputs>();
  readonly executions = new Map<string, number>();
  readonly lastOutputByNode = new Map<string, Message>();
  frontier: FrontierItem[];
  nextSeq: number;
  readonly maxStepBytes: number;
  readonly maxRunBytes: number;
  /** Bytes of outputs this run holds, counted against maxRunBytes. */
  private bytes: number;

  constructor(
    claimed: ClaimedRun,
    private readonly flow: CompiledFlow,
    limits: Partial<Pick<RunLimits, "maxStepBytes" | "maxRunBytes">> = {},
  ) {
    this.maxStepBytes = limits.maxStepBytes ?? DEFAULT_RUN_LIMITS.maxStepBytes;
    this.maxRunBytes = limits.maxRunBytes ?? DEFAULT_RUN_LIMITS.maxRunBytes;
    // A resumed run continues from the full outputs, never from the log's truncated view.
    for (const step of claimed.steps) {
      const outputs = step.payload ?? step.outputs;
      this.outputs.set(step.seq, outputs);
      this.count(step.nodeId);
      this.remember(step.nodeId, outputs);
    }
    this.bytes = journalBytes(claimed.steps);
    this.frontier = [...claimed.frontier].sort((a, b) => a.seq - b.seq);
    for (const item of this.frontier) this.count(item.nodeId);
    this.nextSeq = claimed.nextSeq;
  }

  /** Measures a step's outputs against the run's data budget and the log's per-step limit. */
  size(outputs: PortOutputs, passed?: Record<string, number[]>): SizeCheck {
    let sized: SizedOutputs;
    try {
      sized = sizeOutputs(outputs, this.maxStepBytes, passed);
    } catch (err) {
      return { kind: "invalid", error: { code: "INVALID_OUTPUT", message: `the node emitted a value JSON cannot hold: ${(err as Error).message}` } };
    }
    if (this.bytes + sized.bytes > this.maxRunBytes) return { kind: "over-budget", bytes: sized.bytes, total: this.bytes + sized.bytes };
    this.bytes += sized.bytes;
    // Named, not spread: the spread copy showed in the profile (0.4% of a webhook request).
    return { kind: "sized", bytes: sized.bytes, logged: sized.logged, truncated: sized.truncated, json: sized.json };
  }

  /** The first item that is due; it stays in the frontier until `take`. */
  nextDue(now: number): FrontierItem | undefined {
    return this.frontier.find((item) => item.wakeAt === undefined || item.wakeAt <= now);
  }

  take(item: FrontierItem): void {
    this.frontier = this.frontier.filter((i) => i !== item);
  }

  defer(item: FrontierItem, wakeAt: number): void {
    this.frontier.push({ ...item, wakeAt });
    this.frontier.sort((a, b) => a.seq - b.seq);
  }

  nextWake(now: number): number {
    return Math.min(...this.frontier.map((i) => i.wakeAt ?? now));
  }

  messageAt(item: FrontierItem): Message {
    return this.outputs.get(item.from.seq)?.[item.from.port]?.[item.from.index] ?? null;
  }

  /** How many work items `record` would schedule for this step. */
  fanOut(step: StepRecord, compiled: CompiledNode): number {
    const byPort = this.flow.outgoing.get(compiled.node.id);
    let count = 0;
    if (byPort) for (const [port, messages] of Object.entries(step.payload ?? step.outputs)) count += messages.length * (byPort.get(port)?.length ?? 0);
    return count;
  }

  /** Records a finished step and schedules one item per message per outgoing edge. */
  record(step: StepRecord, compiled: CompiledNode): void {
    const outputs = step.payload ?? step.outputs;
    this.outputs.set(step.seq, outputs);
    this.remember(step.nodeId, outputs);
    const byPort = this.flow.outgoing.get(compiled.node.id);
    if (!byPort) return;
    for (const [port, messages] of Object.entries(outputs)) {
      const edges = byPort.get(port);
      if (!edges) continue;
      messages.forEach((_message, index) => {
        for (const edge of edges) {
          this.frontier.push({
            seq: this.nextSeq++,
            nodeId: edge.target,
            from: { seq: step.seq, port, index },
            execution: this.count(edge.target),
          });
        }
      });
    }
  }

  bindings(runId: string, clock: Clock): Bindings {
    const flow = this.flow;
    return {
      run: runId,
      flow: { id: flow.doc.id, name: flow.doc.name, version: flow.doc.version },
      now: () => isoTime(clock.now()),
      node: (name: string) => this.lastOutputByNode.get(flow.nodeIdsByName.get(name) ?? name),
    };
  }

  private count(nodeId: string): number {
    const n = (this.executions.get(nodeId) ?? 0) + 1;
    this.executions.set(nodeId, n);
    return n;
  }

  private remember(nodeId: string, outputs: PortOutputs): void {
    for (const messages of Object.values(outputs)) {
      if (messages.length > 0) {
        this.lastOutputByNode.set(nodeId, messages[messages.length - 1]!);
        return;
      }
    }
  }
}
