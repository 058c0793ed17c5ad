export interface BatcherOptions<I> {
  /** Statements of this kind in flight at once; while they wait on the commit, the next batch fills. */
  maxInFlight: number;
  maxBatch: number;
  /** Items with the same key never share a batch (one row may be updated once per statement). */
  key(item: I): string;
}

type Pending<I, O> = { item: I; resolve(value: O): void; reject(error: unknown): void };

/**
 * Group commit for a pooled database: calls made while earlier ones wait on their commit (an
 * fsync each) are written together by one statement in one transaction, so throughput grows with
 * concurrency instead of being bound by fsyncs. `write` returns one result per item, in order;
 * if it throws, every item of that batch fails with the error.
 */
export class Batcher<I, O> {
  private pending: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Statements written and the items they carried, for /metrics. */
  batches = 0;
  items = 0;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions<I>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // Collect what this event-loop turn submits before writing.
      setImmediate(() => {
        this.scheduled = false;
        this.drain();
      });
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private takeBatch(): Pending<I, O>[] {
    const batch: Pending<I, O>[] = [];
    const keys = new Set<string>();
    const rest: Pending<I, O>[] = [];
    for (const entry of this.pending) {
      const key = this.options.key(entry.item);
      if (batch.length < this.options.maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(entry);
      } else {
        rest.push(entry);
      }
    }
    this.pending = rest;
    return batch;
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((entry) => entry.item));
      this.batches++;
      this.items += batch.length;
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (err) {
      for (const entry of batch) entry.reject(err);
    }
  }
}
