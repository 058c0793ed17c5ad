import type { Bindings } from "../expr/index.ts";
import type { Message, PortOutputs } from "../model/index.ts";
import type { Clock } from "../runtime/clock.ts";
import type { ClaimedRun, FrontierItem, StepRecord } from "../store/types.ts";
import type { CompiledFlow, CompiledNode } from "./compiled-flow.ts";

/** The in-memory view of a run's journal and frontier while it executes. */
export class RunState {
  readonly outputs = new Map<number, PortOutputs>();
  readonly executions = new Map<string, number>();
  readonly lastOutputByNode = new Map<string, Message>();
  frontier: FrontierItem[];
  nextSeq: number;

  constructor(claimed: ClaimedRun, private readonly flow: CompiledFlow) {
    for (const step of claimed.steps) {
      this.outputs.set(step.seq, step.outputs);
      this.count(step.nodeId);
      this.remember(step.nodeId, step.outputs);
    }
    this.frontier = [...claimed.frontier].sort((a, b) => a.seq - b.seq);
    for (const item of this.frontier) this.count(item.nodeId);
    this.nextSeq = claimed.nextSeq;
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

  /** Records a finished step and schedules one item per message per outgoing edge. */
  record(step: StepRecord, compiled: CompiledNode): void {
    this.outputs.set(step.seq, step.outputs);
    this.remember(step.nodeId, step.outputs);
    const byPort = this.flow.outgoing.get(compiled.node.id);
    if (!byPort) return;
    for (const [port, messages] of Object.entries(step.outputs)) {
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
      now: () => new Date(clock.now()).toISOString(),
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
