import { evaluateExpression, renderTemplate } from "../expr/index.ts";
import { ERROR_PORT, type Message, type PortOutputs, type StepError } from "../model/index.ts";
import type { LogLevel, NodeContext, NodeServices, WebhookReply } from "../nodes/index.ts";
import type { Clock } from "../runtime/clock.ts";
import type { EventBus } from "../runtime/events.ts";
import type { ReplyHub } from "../runtime/replies.ts";
import { passedThrough } from "../store/journal.ts";
import { LeaseLostError, type ClaimedRun, type FrontierItem, type StepRecord, type Store } from "../store/types.ts";
import type { CrashHook } from "../runtime/crash-points.ts";
import { runWithAttempts } from "./attempts.ts";
import type { CompiledFlow, CompiledNode } from "./compiled-flow.ts";
import { JournalBuffer } from "./journal-buffer.ts";
import { RunState } from "./run-state.ts";
import { StepContext, type RunContext } from "./step-context.ts";
import { StepSecrets, type CredentialReader } from "./step-secrets.ts";

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
  credentials?: CredentialReader;
}

export type ExecutionEnd = "finished" | "parked" | "lost" | "released";

export interface ExecuteOptions {
  /** Resolves once the run's row is durable (a run adopted while its enqueue is still committing). */
  durable?: Promise<unknown>;
  shouldStop: () => boolean;
  /** Called when the run's final write is issued: it needs no worker slot any more. */
  finishing?: () => void;
}

/**
 * Drives one claimed run to its end, or until it parks, loses its lease or is told to stop.
 * Steps are journaled with the frontier; effect-free steps are batched (JournalBuffer), and
 * before any node with side effects runs, everything before it is made durable.
 */
export async function executeRun(
  claimed: ClaimedRun,
  flow: CompiledFlow,
  owner: string,
  deps: ExecutorDeps,
  options: ExecuteOptions,
): Promise<ExecutionEnd> {
  const run = claimed.run;
  const state = new RunState(claimed, flow, deps);
  const journal = new JournalBuffer();
  const triggerConfig = flow.nodes.get(run.triggerNodeId)?.node.config;
  const expectsReply = run.triggerType === "webhook" && triggerConfig?.respond === "respond";
  let replied = claimed.steps.some((s) => s.meta?.replied === true);
  /** A reply computed by a respond step, sent once that step is durable. */
  let heldReply: WebhookReply | undefined;
  /** Store writes of steps (dedupe claims) that may still be committing; see NodeContext.holdEffects. */
  const unsettled: Promise<unknown>[] = [];
  const bindings = state.bindings(run.id, deps.clock);
  const runContext: RunContext = {
    runId: run.id,
    flow: { id: flow.doc.id, name: flow.doc.name, version: flow.doc.version },
    now: deps.clock.now,
    evaluate: (expression, value) => evaluateExpression(expression, value, bindings),
    render: (template, value) => renderTemplate(template, value, bindings),
    fetch: deps.fetch,
    holdEffects: (durable) => {
      durable.catch(() => undefined); // awaited (and its failure seen) at the next journal write
      unsettled.push(durable);
    },
    services: deps.services,
  };
  const emitSteps = (steps: StepRecord[]) => {
    for (const step of steps) deps.events.emit(stepEvent(run.flowId, run.id, step));
  };

  /** Makes everything executed so far durable (`force`: write the frontier even with no new step). */
  async function flush(force = false): Promise<void> {
    if (journal.size === 0 && !force) {
      await Promise.all([options.durable, ...unsettled.splice(0)]);
      return sendHeldReply();
    }
    await afterEnqueue();
    const steps = journal.take();
    await Promise.all([deps.store.commitStep({ runId: run.id, owner, steps, frontier: state.frontier, nextSeq: state.nextSeq }), ...unsettled.splice(0)]);
    if (steps.length > 0) deps.crash?.("step.after-journal");
    emitSteps(steps);
    sendHeldReply();
  }

  function sendHeldReply(): void {
    if (heldReply) deps.replies.deliver(run.id, { kind: "reply", reply: heldReply });
    heldReply = undefined;
  }

  /** A store that applies writes in issue order commits ours after the enqueue without waiting. */
  async function afterEnqueue(): Promise<void> {
    if (!deps.store.writesInOrder) await options.durable;
  }

  async function finish(status: "succeeded" | "failed", error?: StepError, failedStep?: StepRecord): Promise<ExecutionEnd> {
    await afterEnqueue();
    const steps = journal.take();
    if (failedStep) steps.push(failedStep);
    deps.crash?.("finish.before");
    options.finishing?.();
    await Promise.all([deps.store.finishRun({ runId: run.id, owner, status, error, steps, now: deps.clock.now() }), ...unsettled.splice(0)]);
    sendHeldReply();
    emitSteps(steps);
    deps.events.emit({ type: "run.finished", runId: run.id, flowId: run.flowId, status, ...(error ? { error } : {}) });
    if (expectsReply) deps.replies.deliver(run.id, { kind: "finished", status, error });
    return "finished";
  }

  try {
    for (;;) {
      const now = deps.clock.now();
      const item = state.nextDue(now);
      if (!item) {
        if (state.frontier.length === 0) return await finish("succeeded");
        await flush();
        await deps.store.parkRun({ runId: run.id, owner, frontier: state.frontier, nextSeq: state.nextSeq, availableAt: state.nextWake(now) });
        return "parked";
      }
      // Checked only when work remains: a run whose last step just ended finishes, even in shutdown.
      if (options.shouldStop()) {
        await flush();
        await deps.store.releaseRuns(owner, [run.id]);
        return "released";
      }
      if (item.seq > deps.maxStepsPerRun) {
        return await finish("failed", { code: "RUN_STEP_LIMIT", message: `run exceeded ${deps.maxStepsPerRun} steps (RUNNEL_MAX_STEPS_PER_RUN)` });
      }
      const compiled = flow.nodes.get(item.nodeId);
      if (!compiled) {
        return await finish("failed", { code: "INVALID_FLOW", message: `node ${item.nodeId} is not in flow version ${flow.doc.version}` });
      }
      // Durability barrier: nothing reaches outside the run before what led to it is journaled.
      if (compiled.def.sideEffects) await flush();
      state.take(item);

      const executed = await executeStep(item, compiled);
      if (executed.kind === "wait") {
        state.defer(item, executed.wakeAt);
        await flush(true);
        continue;
      }
      if (executed.kind === "over-budget") {
        return await finish("failed", { ...executed.step.error!, details: { nodeId: item.nodeId } }, executed.step);
      }
      const { step, reply } = executed;
      if (step.status === "failed" && compiled.settings.onError === "fail") {
        return await finish("failed", { ...step.error!, details: { nodeId: item.nodeId } }, step);
      }
      // A fan-out past the step limit fails here, before its work items exist: a split of a
      // million items must not build (and journal) a million-item frontier first.
      if (state.nextSeq + state.fanOut(step, compiled) - 1 > deps.maxStepsPerRun) {
        return await finish("failed", { code: "RUN_STEP_LIMIT", message: `run would exceed ${deps.maxStepsPerRun} steps (RUNNEL_MAX_STEPS_PER_RUN)`, details: { nodeId: item.nodeId } }, step);
      }
      state.record(step, compiled);
      journal.add(step, deps.clock.now());
      if (reply) {
        // Sent once its step is journaled: with the finish when nothing is left, else now.
        replied = true;
        heldReply = reply;
        if (state.frontier.length > 0) await flush();
      }
      if (journal.shouldFlush(deps.clock.now())) await flush();
    }
  } catch (err) {
    if (err instanceof LeaseLostError) return "lost";
    throw err;
  }

  async function executeStep(
    item: FrontierItem,
    compiled: CompiledNode,
  ): Promise<
    { kind: "wait"; wakeAt: number } | { kind: "step"; step: StepRecord; reply?: WebhookReply } | { kind: "over-budget"; step: StepRecord }
  > {
    const input = state.messageAt(item);
    const startedAt = deps.clock.now();
    const meta: Record<string, unknown> = {};
    let reply: WebhookReply | undefined;
    const secrets = new StepSecrets(deps.credentials);
    const log = (level: LogLevel, message: string, data?: unknown) =>
      deps.logger.log(level, secrets.redact(message), { runId: run.id, nodeId: item.nodeId, data: secrets.redact(data) });
    const respond = (value: WebhookReply) => {
      if (!expectsReply || replied || reply) return false;
      reply = value;
      return true;
    };
    const makeContext = (attempt: number, signal: () => AbortSignal): NodeContext =>
      new StepContext(runContext, { node: compiled.contextNode, execution: item.execution, attempt, signal, log, respond, meta, wakeAt: item.wakeAt, credentials: secrets });

    const outcome = await runWithAttempts(compiled, makeContext, input, deps.clock);
    deps.crash?.("step.before-journal");
    if (outcome.ok && "waitUntil" in outcome.result) return { kind: "wait", wakeAt: Number(outcome.result.waitUntil) };
    const step: StepRecord = {
      seq: item.seq,
      nodeId: item.nodeId,
      nodeType: compiled.node.type,
      status: outcome.ok ? "succeeded" : "failed",
      inputRef: item.from,
      outputs: outcome.ok ? (outcome.result as PortOutputs) : {},
      attempts: outcome.attempts,
      startedAt,
      finishedAt: deps.clock.now(),
    };
    if (Object.keys(meta).length > 0) step.meta = meta;
    let error = outcome.ok ? undefined : outcome.error;
    if (outcome.ok) {
      const passed = passedThrough(step.outputs, input);
      const sized = state.size(step.outputs, passed);
      if (sized.kind === "invalid") error = { ...sized.error, attempt: outcome.attempts };
      if (sized.kind === "over-budget") {
        step.status = "failed";
        step.outputs = {};
        step.error = { code: "RUN_DATA_LIMIT", message: `the run's data would reach ${sized.total} bytes, more than the ${state.maxRunBytes} allowed (RUNNEL_MAX_RUN_BYTES)` };
        step.meta = { ...step.meta, outputBytes: sized.bytes };
        return { kind: "over-budget", step };
      }
      if (sized.kind === "sized" && sized.truncated) {
        // The log keeps the truncated view; the full outputs travel on (and, until the run ends,
        // are journaled beside it so a resume passes downstream exactly what this attempt would).
        step.payload = step.outputs;
        step.outputs = sized.logged;
      } else if (sized.kind === "sized") {
        if (passed) step.passed = passed;
        step.outputsJson = sized.json;
      }
    }
    if (error) {
      step.status = "failed";
      step.error = error;
      delete step.passed;
      delete step.outputsJson;
      step.outputs = compiled.settings.onError === "continue" ? { [ERROR_PORT]: [errorMessage(input, error)] } : {};
    }
    return { kind: "step", step: secrets.redactStep(step), reply };
  }
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
