import { validateFlow, webhookRouteOf, type FlowDocument, type FlowInput, type FlowProblem } from "../model/index.ts";
import { EngineError, notFound } from "../errors.ts";
import type { Catalog } from "../nodes/index.ts";
import type { Store } from "../store/types.ts";
import type { Clock } from "./clock.ts";
import type { WebhookRouter } from "./webhook-router.ts";

/** Something that follows saved flows (the webhook routing table, schedule and poll triggers). */
export interface FlowWatcher {
  setFlow(flow: FlowDocument): void;
  removeFlow(flowId: string): void;
}

/** A save-time check that needs the store (e.g. referenced credentials exist). */
export interface FlowReferenceCheck {
  problems(flow: FlowInput): Promise<FlowProblem[]>;
}

/** Saving flows: validation (every problem at once), versioning and the webhook routing table. */
export class FlowService {
  private readonly savedListeners = new Set<(flowId: string) => void>();

  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly router: WebhookRouter,
    private readonly clock: Clock,
    private readonly watchers: readonly FlowWatcher[] = [],
    private readonly references?: FlowReferenceCheck,
  ) {}

  async loadActive(): Promise<void> {
    for (const flow of await this.store.listFlows()) this.changed(flow);
  }

  validate(raw: unknown, flowId?: string): FlowInput {
    const result = validateFlow(raw, this.catalog.view, {
      takenRoutes: (route) => this.router.ownerOf(route.method, route.path, flowId),
    });
    if (!result.ok) throw invalidFlow(result.problems);
    return result.flow;
  }

  /** validate, plus the checks that read the store. */
  private async check(raw: unknown, flowId?: string): Promise<FlowInput> {
    const flow = this.validate(raw, flowId);
    const problems = (await this.references?.problems(flow)) ?? [];
    if (problems.length > 0) throw invalidFlow(problems);
    return flow;
  }

  async create(raw: unknown): Promise<FlowDocument> {
    const flow = await this.store.createFlow(await this.check(raw), this.clock.now());
    this.changed(flow);
    this.saved(flow.id);
    return flow;
  }

  async update(id: string, raw: unknown, expectedVersion: number): Promise<FlowDocument> {
    if (!(await this.store.getFlow(id))) throw notFound("flow", id);
    const flow = await this.store.updateFlow(id, await this.check(raw, id), expectedVersion, this.clock.now());
    this.changed(flow);
    this.saved(flow.id);
    return flow;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.deleteFlow(id))) throw notFound("flow", id);
    this.removed(id);
    this.saved(id);
  }

  /** Saves and deletes made through this service (not reloads): other processes follow them. */
  onSaved(listener: (flowId: string) => void): () => void {
    this.savedListeners.add(listener);
    return () => this.savedListeners.delete(listener);
  }

  /** Another process saved or deleted this flow: follow what the store says now. */
  async refresh(id: string): Promise<void> {
    const flow = await this.store.getFlow(id);
    if (flow) this.changed(flow);
    else this.removed(id);
  }

  private saved(flowId: string): void {
    for (const listener of this.savedListeners) listener(flowId);
  }

  private removed(id: string): void {
    this.router.removeFlow(id);
    for (const watcher of this.watchers) watcher.removeFlow(id);
  }

  private changed(flow: FlowDocument): void {
    this.router.setFlow(flow);
    for (const watcher of this.watchers) watcher.setFlow(flow);
  }

  async get(id: string): Promise<FlowDocument> {
    const flow = await this.store.getFlow(id);
    if (!flow) throw notFound("flow", id);
    return flow;
  }

  /** The webhook URL path a node listens on, for the editor's "copy URL". */
  static hookPath(config: Record<string, unknown>): string | undefined {
    return webhookRouteOf(config)?.path;
  }
}

function invalidFlow(problems: FlowProblem[]): EngineError {
  const count = problems.length;
  return new EngineError("INVALID_FLOW", `flow has ${count} problem${count === 1 ? "" : "s"}`, { problems });
}
