import { StepFailure } from "../expr/index.ts";
import type { Message, StepError } from "../model/index.ts";
import type { NodeContext, NodeResult } from "../nodes/index.ts";
import type { Clock } from "../runtime/clock.ts";
import type { CompiledNode } from "./compiled-flow.ts";

export type AttemptOutcome =
  | { ok: true; result: NodeResult; attempts: number }
  | { ok: false; error: StepError; attempts: number };

class StepTimeout extends StepFailure {
  constructor(ms: number) {
    super("TIMEOUT", `step did not finish within ${ms} ms`);
  }
}

/** Runs one node execution with its retry, backoff and timeout settings. */
export async function runWithAttempts(
  compiled: CompiledNode,
  makeContext: (attempt: number, signal: () => AbortSignal) => NodeContext,
  input: Message,
  clock: Clock,
  random: () => number = Math.random,
): Promise<AttemptOutcome> {
  const maxAttempts = compiled.settings.retry.maxAttempts;
  for (let attempt = 1; ; attempt++) {
    // The abort signal is made only for nodes that ask for it (most never do): building
    // AbortControllers and listeners for every step was a measurable share of a run's cost.
    let controller: AbortController | undefined;
    let timedOut: StepTimeout | undefined;
    const signal = () => {
      if (!controller) {
        controller = new AbortController();
        if (timedOut) controller.abort(timedOut);
      }
      return controller.signal;
    };
    let cancelTimeout = () => {};
    try {
      const running = compiled.def.run(makeContext(attempt, signal), input, compiled.config);
      // A node that answered synchronously needs no timer. Otherwise one promise is settled by
      // the node or the timer, whichever comes first: a Promise.race with a timeout promise cost
      // every step two more promises and their reactions.
      const result = !isThenable(running)
        ? running
        : await new Promise<NodeResult>((resolve, reject) => {
            cancelTimeout = clock.timer(compiled.timeoutMs, () => {
              timedOut = new StepTimeout(compiled.timeoutMs);
              controller?.abort(timedOut);
              reject(timedOut);
            });
            running.then(resolve, reject);
          });
      return { ok: true, result, attempts: attempt };
    } catch (err) {
      cancelTimeout(); // not left running through the backoff
      const error = toStepError(err, attempt);
      const permanent = err instanceof StepFailure && err.permanent;
      if (permanent || attempt >= maxAttempts) return { ok: false, error, attempts: attempt };
      const retryAfter = err instanceof StepFailure ? err.retryAfterMs : undefined;
      // A server asking for a longer pause than maxBackoff would hold this worker slot that
      // long: end the retries now with its error instead (the user's cap on waiting wins).
      if (retryAfter !== undefined && retryAfter > compiled.maxBackoffMs) {
        error.message += ` (Retry-After ${Math.ceil(retryAfter / 1000)}s exceeds maxBackoff; not retried)`;
        return { ok: false, error, attempts: attempt };
      }
      await clock.sleep(backoffDelay(compiled, attempt, retryAfter, random));
    } finally {
      cancelTimeout();
    }
  }
}

function isThenable(value: Promise<NodeResult> | NodeResult): value is Promise<NodeResult> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** Exponential backoff with jitter (50-100% of the step), never shorter than a server's Retry-After. */
export function backoffDelay(compiled: CompiledNode, attempt: number, retryAfterMs: number | undefined, random: () => number): number {
  const exponential = Math.min(compiled.maxBackoffMs, compiled.backoffMs * 2 ** (attempt - 1));
  const jittered = exponential * (0.5 + random() / 2);
  return Math.round(retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered));
}

export function toStepError(err: unknown, attempt: number): StepError {
  if (err instanceof StepFailure) {
    const error: StepError = { code: err.code, message: err.message, attempt };
    if (err.details !== undefined) error.details = err.details;
    return error;
  }
  if (err instanceof Error) return { code: "NODE_ERROR", message: err.message, attempt };
  return { code: "NODE_ERROR", message: String(err), attempt };
}
