import type { StepRecord } from "../store/types.ts";

const MAX_BUFFERED_STEPS = 64;
const MAX_BUFFERED_MS = 100;

/**
 * Steps of effect-free nodes (filter, transform, ...) are held here and journaled together at the
 * next durability point: before a node with side effects runs, when the run parks or ends, or
 * when the buffer grows large or old. Losing them in a crash is harmless: they are re-executed
 * from the last journaled frontier and give the same result. What reaches outside the run
 * never happens before the steps leading to it are durable.
 */
export class JournalBuffer {
  private steps: StepRecord[] = [];
  private oldest = 0;

  add(step: StepRecord, now: number): void {
    if (this.steps.length === 0) this.oldest = now;
    this.steps.push(step);
  }

  shouldFlush(now: number): boolean {
    return this.steps.length >= MAX_BUFFERED_STEPS || (this.steps.length > 0 && now - this.oldest >= MAX_BUFFERED_MS);
  }

  get size(): number {
    return this.steps.length;
  }

  take(): StepRecord[] {
    const steps = this.steps;
    this.steps = [];
    return steps;
  }
}
