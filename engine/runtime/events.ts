import type { RunStatus, StepStatus } from "../model/index.ts";

export type EngineEvent =
  | { type: "run.queued"; runId: string; flowId: string; status: RunStatus }
  | { type: "run.started"; runId: string; flowId: string; status: RunStatus }
  | { type: "step.finished"; runId: string; flowId: string; status: StepStatus; seq: number; nodeId: string; nodeType: string }
  | { type: "run.finished"; runId: string; flowId: string; status: RunStatus; error?: { code: string; message: string } };

export type EventListener = (event: EngineEvent) => void;

/** In-process fan-out of run lifecycle events (SSE, respond-mode webhooks, metrics). */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must never break the run that emitted the event.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
