import type { WebhookReply } from "../nodes/contract.ts";
import type { RunStatus } from "../model/index.ts";

export type ReplyOutcome =
  | { kind: "reply"; reply: WebhookReply }
  | { kind: "finished"; status: RunStatus; error?: { code: string; message: string } };

/**
 * Webhook requests in `respond` mode wait here for their run's first `respond` node, or for
 * the run to end without one. A waiter is registered before the run is enqueued, so no
 * answer can arrive before anyone listens.
 */
export class ReplyHub {
  private readonly waiters = new Map<string, (outcome: ReplyOutcome) => void>();
  private forward?: (runId: string, outcome: ReplyOutcome) => void;

  /** Outcomes nobody here waits for go to `forward`: a request in another process may be waiting. */
  forwardUndelivered(forward: (runId: string, outcome: ReplyOutcome) => void): void {
    this.forward = forward;
  }

  expect(runId: string, timeoutMs: number): { outcome: Promise<ReplyOutcome | undefined>; cancel(): void } {
    let timer: NodeJS.Timeout | undefined;
    const outcome = new Promise<ReplyOutcome | undefined>((resolve) => {
      timer = setTimeout(() => {
        this.waiters.delete(runId);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(runId, (value) => {
        clearTimeout(timer);
        this.waiters.delete(runId);
        resolve(value);
      });
    });
    return {
      outcome,
      cancel: () => {
        clearTimeout(timer);
        this.waiters.delete(runId);
      },
    };
  }

  isWaiting(runId: string): boolean {
    return this.waiters.has(runId);
  }

  /** Returns true when a request was waiting and got the outcome. */
  deliver(runId: string, outcome: ReplyOutcome): boolean {
    const waiter = this.waiters.get(runId);
    if (!waiter) {
      this.forward?.(runId, outcome);
      return false;
    }
    waiter(outcome);
    return true;
  }
}
