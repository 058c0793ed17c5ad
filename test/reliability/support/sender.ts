export interface SenderOptions {
  /** Base URL of the server now; undefined while it is down. */
  url(): string | undefined;
  path: string;
  /** Deliveries in order; an id may repeat (a sender's redelivery). */
  deliveries: string[];
  concurrency: number;
  /** Give up (and fail the test) after this long. */
  deadlineMs: number;
}

/**
 * A webhook sender as a real one behaves: posts each delivery with its `webhook-id`, and
 * retries a failed request (connection refused or reset, 5xx, 503 while shutting down) with
 * the same id until it is acknowledged with a 2xx.
 */
export class Sender {
  readonly acked = new Set<string>();
  readonly sent = new Set<string>();
  requests = 0;
  failedRequests = 0;
  private next = 0;

  constructor(private readonly options: SenderOptions) {}

  get done(): boolean {
    return this.next >= this.options.deliveries.length;
  }

  async run(): Promise<void> {
    const deadline = Date.now() + this.options.deadlineMs;
    await Promise.all(Array.from({ length: this.options.concurrency }, () => this.lane(deadline)));
  }

  private async lane(deadline: number): Promise<void> {
    while (this.next < this.options.deliveries.length) {
      const id = this.options.deliveries[this.next++]!;
      this.sent.add(id);
      while (!(await this.deliver(id))) {
        if (Date.now() > deadline) throw new Error(`delivery ${id} not acknowledged before the deadline`);
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
      }
      this.acked.add(id);
    }
  }

  private async deliver(id: string): Promise<boolean> {
    const base = this.options.url();
    if (!base) return false;
    this.requests++;
    try {
      const res = await fetch(`${base}/hooks/${this.options.path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": id },
        body: JSON.stringify({ id }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300) return true;
    } catch {
      // refused or reset: the server is down or was killed mid-request
    }
    this.failedRequests++;
    return false;
  }
}

/** `unique` fresh ids plus a repeat of an earlier id after every `repeatEvery`-th one. */
export function deliveriesWithRepeats(prefix: string, unique: number, repeatEvery = 10): string[] {
  const out: string[] = [];
  for (let i = 0; i < unique; i++) {
    out.push(`${prefix}-${i}`);
    if ((i + 1) % repeatEvery === 0) out.push(`${prefix}-${Math.floor(Math.random() * (i + 1))}`);
  }
  return out;
}
