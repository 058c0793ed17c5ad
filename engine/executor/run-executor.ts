import { evaluateExpression, renderTemplate, type Bindings } from "../expr/index.ts";
import { ERROR_PORT, type Message, type PortOutputs, type StepError } from "../model/index.ts";
import type { LogLevel, NodeContext, NodeServices, WebhookReply } from "../nodes/index.ts";
import type { Clock } from "../runtime/clock.ts";
import type { EventBus } from "../runtime/events.ts";
import type { ReplyHub } from "../runtime/replies.ts";
import { LeaseLostError, type ClaimedRun, type FrontierItem, type StepRecord, type Store } from "../store/types.ts";
import type { CrashHook } from "../runtime/crash-points.ts";
import { runWithAttempts, type AttemptOutcome } from "./attempts.ts";
import type { CompiledFlow, CompiledNode } from "./compiled-flow.ts";
import { DEFAULT_RUN_LIMITS, journalBytes, sizeOutputs, type SizedOutputs } from "./limits.ts";

export interface Logger {
  log(level: LogLevel, message: string, data?: Record<string, unknown>): void;
}

export interface ExecutorDeps {
  store: Store;
  clock: Clock;
  events: EventBus;
  replies: ReplyHub;
  fetch: typeof fetch;
  logger: Logger;
  services: NodeServices;
  maxStepsPerRun: number;
  /** Bytes of one step's outputs kept in the run log (default DEFAULT_RUN_LIMITS). */
  maxStepBytes?: number;
  /** Bytes of outputs one run may hold in total (default DEFAULT_RUN_LIMITS). */
  maxRunBytes?: number;
  /** Fault injection for the crash tests; undefined in production. */
  crash?: CrashHook;
}

export type ExecutionEnd = "finished" | "parked" | "lost" | "released";

/**
 * Drives one claimed run to its end (or until it parks, loses its lease or is told to stop).
 * Every step is journaled with the new frontier before anything downstream consumes it, so a
 * crash resumes from the journal and only the step in flight can repeat.
 */
export async function executeRun(
  claimed: ClaimedRun,
  flow: CompiledFlow,
  owner: string,
  deps: ExecutorDeps,
  shouldStop: () => boolean,
): Promise<ExecutionEnd> {
  const run = claimed.run;
  const state = new RunState(claimed, flow, deps);
  const triggerConfig = flow.nodes.get(run.triggerNodeId)?.node.config;
  const expectsReply = run.triggerType === "webhook" && triggerConfig?.respond === "respond";
  let replied = claimed.steps.some((s) => s.meta?.replied === true);
  const bindings = state.bindings(run.id, deps.clock);

  try {
    for (;;) {
      const now = deps.clock.now();
      const item = state.takeDue(now);
      if (!item) {
        if (state.frontier.length === 0) {
          deps.crash?.("finish.before");
          await deps.store.finishRun({ runId: run.id, owner, status: "succeeded", now });
          deps.events.emit({ type: "run.finished", runId: run.id, flowId: run.flowId, status: "succeeded" });
          if (expectsReply) deps.replies.deliver(run.id, { kind: "finished", status: "succeeded" });
          return "finished";
        }
        const availableAt = Math.min(...state.frontier.map((i) => i.wakeAt ?? now));
        await deps.store.parkRun({ runId: run.id, owner, frontier: state.frontier, nextSeq: state.nextSeq, availableAt });
        return "parked";
      }
      if (shouldStop()) {
        await deps.store.releaseRuns(owner, [run.id]);
        return "released";
      }
      if (item.seq > deps.maxStepsPerRun) {
        return await fail(run.id, { code: "RUN_STEP_LIMIT", message: `run exceeded ${deps.maxStepsPerRun} steps` });
      }

      const compiled = flow.nodes.get(item.nodeId);
      if (!compiled) return await fail(run.id, { code: "INVALID_FLOW", message: `node ${item.nodeId} is not in flow version ${flow.doc.version}` });
      const input = state.messageAt(item);
      const startedAt = deps.clock.now();
      const meta: Record<string, unknown> = {};
      let reply: WebhookReply | undefined;
      const makeContext = (attempt: number, signal: AbortSignal): NodeContext => ({
        runId: run.id,
        flow: { id: flow.doc.id, name: flow.doc.name, version: flow.doc.version },
        node: { id: compiled.node.id, name: compiled.node.name, type: compiled.node.type },
        execution: item.execution,
        attempt,
        signal,
        now: deps.clock.now,
        evaluate: (expression, value) => evaluateExpression(expression, value, bindings),
        render: (template, value) => renderTemplate(template, value, bindings),
        log: (level, message, data) => deps.logger.log(level, message, { runId: run.id, nodeId: item.nodeId, data }),
        fetch: deps.fetch,
        respond: (value) => {
          if (!expectsReply || replied || reply) return false;
          reply = value;
          return true;
        },
        meta,
        wakeAt: item.wakeAt,
        services: deps.services,
      });

      let outcome: AttemptOutcome = await runWithAttempts(compiled, makeContext, input, deps.clock);
      deps.crash?.("step.before-journal");
      if (outcome.ok && "waitUntil" in outcome.result) {
        state.defer(item, Number(outcome.result.waitUntil));
        await deps.store.commitStep({ runId: run.id, owner, frontier: state.frontier, nextSeq: state.nextSeq });
        continue;
      }

      const finishedAt = deps.clock.now();
      const base = { seq: item.seq, nodeId: item.nodeId, nodeType: compiled.node.type, inputRef: item.from, startedAt, finishedAt };
      const sized = outcome.ok ? state.size(outcome.result as PortOutputs) : undefined;
      if (sized && "error" in sized) outcome = { ok: false, error: sized.error, attempts: outcome.attempts };
      if (sized && "overBudget" in sized) {
        const error = { code: "RUN_DATA_LIMIT", message: `run data would reach ${sized.overBudget} bytes, more than the ${state.maxRunBytes} allowed (RUNNEL_MAX_RUN_BYTES)` };
        const step: StepRecord = { ...base, status: "failed", outputs: {}, error, attempts: outcome.attempts, meta: { ...meta, outputBytes: sized.bytes } };
        deps.events.emit(stepEvent(run.flowId, run.id, step));
        return await fail(run.id, { ...error, details: { nodeId: item.nodeId } }, step);
      }
      if (!outcome.ok && compiled.settings.onError === "fail") {
        const step: StepRecord = { ...base, status: "failed", outputs: {}, error: outcome.error, attempts: outcome.attempts, meta: metaOrUndefined(meta) };
        deps.events.emit(stepEvent(run.flowId, run.id, step));
        return await fail(run.id, { ...outcome.error, details: { nodeId: item.nodeId } }, step);
      }
      const outputs: PortOutputs = outcome.ok
        ? (outcome.result as PortOutputs)
        : { [ERROR_PORT]: [errorMessage(input, outcome.error)] };
      const step: StepRecord = {
        ...base,
        status: outcome.ok ? "succeeded" : "failed",
        outputs,
        attempts: outcome.attempts,
        meta: metaOrUndefined(meta),
      };
      if (!outcome.ok) step.error = outcome.error;
      state.record(step, compiled);
      if (sized && "logged" in sized && sized.truncated) {
        step.payload = step.outputs;
        step.outputs = sized.logged;
      }
      await deps.store.commitStep({ runId: run.id, owner, step, frontier: state.frontier, nextSeq: state.nextSeq });
      deps.crash?.("step.after-journal");
      deps.events.emit(stepEvent(run.flowId, run.id, step));
      if (reply) {
        replied = true;
        deps.replies.deliver(run.id, { kind: "reply", reply });
      }
    }
  } catch (err) {
    if (err instanceof LeaseLostError) return "lost";
    throw err;
  }

  async function fail(runId: string, error: StepError, step?: StepRecord): Promise<ExecutionEnd> {
    deps.crash?.("finish.before");
    await deps.store.finishRun({ runId, owner, status: "failed", error, step, now: deps.clock.now() });
    deps.events.emit({ type: "run.finished", runId, flowId: run.flowId, status: "failed", error });
    if (expectsReply) deps.replies.deliver(runId, { kind: "finished", status: "failed", error });
    return "finished";
  }
}

function metaOrUndefined(meta: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(meta).length > 0 ? meta : undefined;
}

function errorMessage(input: Message, error: StepError): Message {
  const base = input !== null && typeof input === "object" && !Array.isArray(input) ? input : { input };
  return { ...base, error: { code: error.code, message: error.message, attempt: error.attempt ?? 1 } };
}

function stepEvent(flowId: string, runId: string, step: StepRecord) {
  return {
    type: "step.finished" as const,
    runId,
    flowId,
    status: step.status,
    seq: step.seq,
    nodeId: step.nodeId,
    nodeType: step.nodeType,
  };
}

/** The in-memory view of a run's journal and frontier while it executes. */
class RunState {
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
    limits: Pick<ExecutorDeps, "maxStepBytes" | "maxRunBytes">,
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

  /** Measures a step's outputs against the run's budget and the log's per-step limit. */
  size(outputs: PortOutputs): SizedOutputs | { error: StepError } | { overBudget: number; bytes: number } {
    let sized: SizedOutputs;
    try {
      sized = sizeOutputs(outputs, this.maxStepBytes);
    } catch (err) {
      return { error: { code: "INVALID_OUTPUT", message: `the node emitted a value JSON cannot hold: ${(err as Error).message}` } };
    }
    if (this.bytes + sized.bytes > this.maxRunBytes) return { overBudget: this.bytes + sized.bytes, bytes: sized.bytes };
    this.bytes += sized.bytes;
    return sized;
  }

  takeDue(now: number): FrontierItem | undefined {
    const index = this.frontier.findIndex((item) => item.wakeAt === undefined || item.wakeAt <= now);
    if (index === -1) return undefined;
    return this.frontier.splice(index, 1)[0];
  }

  defer(item: FrontierItem, wakeAt: number): void {
    this.frontier.push({ ...item, wakeAt });
    this.frontier.sort((a, b) => a.seq - b.seq);
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
