import { createHash } from "node:crypto";
import pg from "pg";
import { quoteIdent } from "./connection.ts";

type Handler = (payload: string) => void;

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * One dedicated connection (LISTEN needs a session; pooled clients come and go) that listens on
 * the channels someone subscribed to. It reconnects with backoff and then tells
 * `onReconnect` subscribers, since notifications sent meanwhile are lost.
 */
export class PgListener {
  private client?: pg.Client;
  private connecting?: Promise<void>;
  /** LISTEN commands issued on the current connection; awaited by ready(). */
  private listening: Promise<unknown> = Promise.resolve();
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectListeners = new Set<() => void>();
  private everConnected = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  listen(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) this.issueListen(this.client, channel);
    }
    set.add(handler);
    this.ensureConnected();
    return () => {
      set.delete(handler);
    };
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Resolves once the channels subscribed so far are listened to (or connecting failed). */
  async ready(): Promise<void> {
    this.ensureConnected();
    await this.connecting;
    await this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private ensureConnected(): void {
    if (this.client || this.connecting || this.closed) return;
    this.connecting = this.connect().finally(() => (this.connecting = undefined));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on("notification", (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? "");
    });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
    } catch {
      await client.end().catch(() => undefined);
      this.scheduleRetry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
    for (const channel of this.handlers.keys()) this.issueListen(client, channel);
    await this.listening;
    if (this.everConnected) for (const listener of this.reconnectListeners) listener();
    this.everConnected = true;
  }

  private issueListen(client: pg.Client, channel: string): void {
    // One command at a time on the connection. A failed LISTEN means the connection is going
    // away; `lost` reconnects and re-listens everything.
    this.listening = this.listening.then(() => client.query(`LISTEN ${quoteIdent(channel)}`)).catch(() => undefined);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (!this.closed) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.ensureConnected(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }
}

/** NOTIFY channels are per schema, so deployments (and tests) sharing a database never cross. */
export function channelName(topic: string, schema: string): string {
  const name = `runnel:${topic}:${schema}`;
  if (Buffer.byteLength(name) <= 63) return name;
  return `runnel:${topic}:${createHash("sha256").update(schema).digest("hex").slice(0, 32)}`;
}
