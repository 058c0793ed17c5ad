import type { EngineEvent } from "../engine/index.ts";

/** One event as kept in the ring. */
export class RingEntry {
  private text?: string;

  constructor(
    readonly id: number,
    readonly flowId: string,
    private readonly event: EngineEvent,
    /** When the engine emitted it (ms since the epoch), so a client can tell how live it is. */
    private readonly at: number,
  ) {}

  /** The whole SSE frame, serialised once however many clients send it, and only if one does. */
  get frame(): string {
    this.text ??= `id: ${this.id}\nevent: ${this.event.type}\ndata: ${JSON.stringify({ ...this.event, at: this.at })}\n\n`;
    return this.text;
  }
}

export interface EventRingOptions {
  /** Events kept for clients that resume or fall behind. */
  capacity?: number;
  /** Id of the first event. The default (now in µs) keeps ids increasing across restarts. */
  firstId?: number;
}

/**
 * A bounded in-memory log of recent engine events with monotonically increasing ids: SSE clients
 * read it at their own pace through a cursor (an event id), so a slow or resuming client costs
 * no buffer of its own, and one that fell further behind than the log reaches is told so.
 */
export class EventRing {
  readonly capacity: number;
  readonly firstId: number;
  private readonly entries: (RingEntry | undefined)[];
  private last: number;
  private readonly listeners = new Set<() => void>();

  constructor(options: EventRingOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 10_000);
    this.firstId = options.firstId ?? Date.now() * 1000;
    this.entries = new Array(this.capacity);
    this.last = this.firstId - 1;
  }

  /** Id of the newest event (firstId - 1 while empty). */
  get lastId(): number {
    return this.last;
  }

  /** Id of the oldest event still kept. */
  get oldestId(): number {
    return Math.max(this.firstId, this.last - this.capacity + 1);
  }

  /** True when `id` could have been handed out by this ring (not by an earlier process or another server). */
  issued(id: number): boolean {
    return id >= this.firstId - 1 && id <= this.last;
  }

  append(event: EngineEvent): void {
    const id = ++this.last;
    this.entries[id % this.capacity] = new RingEntry(id, event.flowId, event, Date.now());
    for (const listener of this.listeners) listener();
  }

  /** The event with this id, if it is still kept. */
  at(id: number): RingEntry | undefined {
    const entry = this.entries[id % this.capacity];
    return entry?.id === id ? entry : undefined;
  }

  /** Calls `listener` after every append; returns an unsubscribe. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
