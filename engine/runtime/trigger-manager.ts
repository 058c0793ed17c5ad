import type { Logger } from "../executor/run-executor.ts";
import type { FlowDocument, FlowNode } from "../model/index.ts";
import type { Store } from "../store/types.ts";
import type { Clock } from "./clock.ts";
import type { FlowWatcher } from "./flow-service.ts";
import { pollTrigger } from "./poll-trigger.ts";
import type { RunService } from "./run-service.ts";
import { scheduleTrigger } from "./schedule-trigger.ts";
import type { TickLoop } from "./tick-loop.ts";

export interface TriggerDeps {
  store: Store;
  clock: Clock;
  runs: RunService;
  fetch: typeof fetch;
  logger: Logger;
}

type Armer = (deps: TriggerDeps, flow: FlowDocument, node: FlowNode) => TickLoop | undefined;

/** Time-based trigger types and how each is armed; webhooks are routed instead (WebhookRouter). */
const ARMERS: Record<string, Armer> = { schedule: scheduleTrigger, poll: pollTrigger };

/**
 * Keeps one loop per schedule/poll node of every active flow: armed on start and whenever a
 * flow is saved, disarmed when it is deleted or deactivated and on stop.
 */
export class TriggerManager implements FlowWatcher {
  private readonly flows = new Map<string, FlowDocument>();
  private readonly armed = new Map<string, TickLoop[]>();
  private running = false;

  constructor(private readonly deps: TriggerDeps) {}

  setFlow(flow: FlowDocument): void {
    const timed = flow.active && flow.nodes.some((n) => n.type in ARMERS);
    if (timed) this.flows.set(flow.id, flow);
    else this.flows.delete(flow.id);
    void this.disarm(flow.id);
    if (timed && this.running) this.arm(flow);
  }

  removeFlow(flowId: string): void {
    this.flows.delete(flowId);
    void this.disarm(flowId);
  }

  start(): void {
    this.running = true;
    for (const flow of this.flows.values()) if (!this.armed.has(flow.id)) this.arm(flow);
  }

  /** Disarms everything; resolves when no fire is in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.armed.keys()].map((flowId) => this.disarm(flowId)));
  }

  /** Number of armed trigger nodes (for tests and metrics). */
  get armedCount(): number {
    let count = 0;
    for (const loops of this.armed.values()) count += loops.length;
    return count;
  }

  private arm(flow: FlowDocument): void {
    const loops: TickLoop[] = [];
    for (const node of flow.nodes) {
      const loop = ARMERS[node.type]?.(this.deps, flow, node);
      if (!loop) continue;
      loop.start();
      loops.push(loop);
    }
    if (loops.length > 0) this.armed.set(flow.id, loops);
  }

  private async disarm(flowId: string): Promise<void> {
    const loops = this.armed.get(flowId);
    if (!loops) return;
    this.armed.delete(flowId);
    await Promise.all(loops.map((loop) => loop.stop()));
  }
}
