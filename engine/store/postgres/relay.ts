import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { Relay, RelayTopic } from "../relay.ts";
import type { PgListener } from "./notify.ts";

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; keep a margin below that. */
export const NOTIFY_PAYLOAD_LIMIT = 7_900;
/** Spilled payloads only need to outlive their delivery. */
const SPILL_RETENTION = "5 minutes";

type Envelope = { o: string; p: unknown } | { o: string; spill: number };

/**
 * Relay over LISTEN/NOTIFY. A payload too large for one notification is stored in
 * `relay_spill` and the notification carries its id. Each topic is handled in arrival order
 * (a spilled reply must not be overtaken by the run-finished notice sent after it).
 */
export class PgRelay implements Relay {
  // Not newId(): that would move the process's id clock, which tests pin to a fake time.
  private readonly origin = randomBytes(8).toString("hex");
  private readonly queues = new Map<RelayTopic, Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
    private readonly channel: (topic: RelayTopic) => string,
  ) {}

  async publish(topic: RelayTopic, payload: unknown): Promise<void> {
    let text = JSON.stringify({ o: this.origin, p: payload } satisfies Envelope);
    if (Buffer.byteLength(text) > NOTIFY_PAYLOAD_LIMIT) {
      const { rows } = await this.pool.query<{ id: number }>({
        name: "runnel_relay_spill",
        text: `WITH pruned AS (DELETE FROM relay_spill WHERE created_at < now() - interval '${SPILL_RETENTION}')
          INSERT INTO relay_spill (payload) VALUES ($1) RETURNING id`,
        values: [JSON.stringify(payload)],
      });
      text = JSON.stringify({ o: this.origin, spill: rows[0]!.id } satisfies Envelope);
    }
    await this.pool.query({ name: "runnel_notify", text: "SELECT pg_notify($1, $2)", values: [this.channel(topic), text] });
  }

  subscribe(topic: RelayTopic, listener: (payload: unknown) => void): () => void {
    return this.listener.listen(this.channel(topic), (text) => {
      const previous = this.queues.get(topic) ?? Promise.resolve();
      const next = previous.then(() => this.receive(text, listener)).catch(() => undefined);
      this.queues.set(topic, next);
    });
  }

  async ready(): Promise<void> {
    await this.listener.ready();
  }

  private async receive(text: string, listener: (payload: unknown) => void): Promise<void> {
    const envelope = parseEnvelope(text);
    if (!envelope || envelope.o === this.origin) return;
    if ("p" in envelope) return listener(envelope.p);
    const { rows } = await this.pool.query<{ payload: string }>({
      name: "runnel_relay_unspill",
      text: "SELECT payload FROM relay_spill WHERE id = $1",
      values: [envelope.spill],
    });
    if (rows[0]) listener(JSON.parse(rows[0].payload));
  }
}

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || typeof (value as { o?: unknown }).o !== "string") return undefined;
    if ("p" in value) return value as Envelope;
    if (typeof (value as { spill?: unknown }).spill === "number") return value as Envelope;
  } catch {
    // Not ours: someone else notifying on the channel.
  }
  return undefined;
}
