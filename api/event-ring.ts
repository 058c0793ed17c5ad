import type { EngineEvent } from "../engine/index.ts";

export interface EventRingOptions {
  /** Events kept for clients that resume or fall behind. */
  capacity?: number;
  /** Id of the first event. The default (now in µs) keeps ids increasing across restarts. */
  firstId?: number;
}

const TYPES: readonly EngineEvent["type"][] = ["run.queued", "run.started", "step.finished", "run.finished"];
const TYPE_CODE = new Map(TYPES.map((type, code) => [type, code]));

/**
 * A bounded in-memory log of recent engine events with monotonically increasing ids: SSE clients
 * read it at their own pace through a cursor (an event id), so a slow or resuming client costs
 * no buffer of its own, and one that fell further behind than the log reaches is told so.
 *
 * The events are kept field by field in preallocated columns, not as objects: every event lives
 * for seconds under load (10,000 of them), and as objects they were two thirds of what survived
 * each young-generation collection, whose pauses are the server's latency tail. The strings kept
 * (run, flow and node ids, statuses) are shared with the runs and flows they name. An event's SSE
 * frame is built only when a client reads it, once however many do.
 */
export class EventRing {
  readonly capacity: number;
  readonly firstId: number;
  private last: number;
  private readonly ids: Float64Array;
  private readonly ats: Float64Array;
  private readonly types: Uint8Array;
  private readonly seqs: Float64Array;
  private readonly runIds: string[];
  private readonly flowIds: string[];
  private readonly statuses: string[];
  private readonly nodeIds: (string | undefined)[];
  private readonly nodeTypes: (string | undefined)[];
  private readonly errors: ({ code: string; message: string } | undefined)[];
  private readonly frames: (string | undefined)[];
  private readonly listeners = new Set<() => void>();

  constructor(options: EventRingOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 10_000);
    this.firstId = options.firstId ?? Date.now() * 1000;
    this.last = this.firstId - 1;
    const n = this.capacity;
    this.ids = new Float64Array(n).fill(-1);
    this.ats = new Float64Array(n);
    this.types = new Uint8Array(n);
    this.seqs = new Float64Array(n);
    this.runIds = new Array<string>(n).fill("");
    this.flowIds = new Array<string>(n).fill("");
    this.statuses = new Array<string>(n).fill("");
    this.nodeIds = new Array<string | undefined>(n).fill(undefined);
    this.nodeTypes = new Array<string | undefined>(n).fill(undefined);
    this.errors = new Array<{ code: string; message: string } | undefined>(n).fill(undefined);
    this.frames = new Array<string | undefined>(n).fill(undefined);
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
    const slot = id % this.capacity;
    this.ids[slot] = id;
    this.ats[slot] = Date.now();
    this.types[slot] = TYPE_CODE.get(event.type)!;
    this.runIds[slot] = event.runId;
    this.flowIds[slot] = event.flowId;
    this.statuses[slot] = event.status;
    const step = event.type === "step.finished" ? event : undefined;
    this.seqs[slot] = step ? step.seq : 0;
    this.nodeIds[slot] = step?.nodeId;
    this.nodeTypes[slot] = step?.nodeType;
    this.errors[slot] = event.type === "run.finished" ? event.error : undefined;
    this.frames[slot] = undefined;
    for (const listener of this.listeners) listener();
  }

  /** The flow of the event with this id, if it is still kept. */
  flowIdOf(id: number): string | undefined {
    const slot = this.slotOf(id);
    return slot === undefined ? undefined : this.flowIds[slot];
  }

  /** The event with this id, as the engine emitted it, if it is still kept. */
  event(id: number): EngineEvent | undefined {
    const slot = this.slotOf(id);
    if (slot === undefined) return undefined;
    const base = { runId: this.runIds[slot]!, flowId: this.flowIds[slot]!, status: this.statuses[slot]! };
    const type = TYPES[this.types[slot]!]!;
    if (type === "step.finished") {
      return { type, ...base, seq: this.seqs[slot]!, nodeId: this.nodeIds[slot]!, nodeType: this.nodeTypes[slot]! } as EngineEvent;
    }
    const error = this.errors[slot];
    return (error ? { type, ...base, error } : { type, ...base }) as EngineEvent;
  }

  /** The whole SSE frame of the event with this id, serialised once however many clients send it. */
  frame(id: number): string | undefined {
    const slot = this.slotOf(id);
    if (slot === undefined) return undefined;
    this.frames[slot] ??= `id: ${id}\nevent: ${TYPES[this.types[slot]!]}\ndata: ${JSON.stringify({ ...this.event(id), at: this.ats[slot] })}\n\n`;
    return this.frames[slot];
  }

  /** Calls `listener` after every append; returns an unsubscribe. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private slotOf(id: number): number | undefined {
    const slot = id % this.capacity;
    return this.ids[slot] === id ? slot : undefined;
  }
}
