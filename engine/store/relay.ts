/** What processes of one deployment tell each other: live events, replies for waiting webhooks, flow saves. */
export type RelayTopic = "events" | "replies" | "flows";

/**
 * Messages between the processes that share one store (PostgreSQL LISTEN/NOTIFY). Payloads are
 * JSON values; receivers get `unknown` and parse it. A process never receives its own messages.
 * Delivery is best effort and in order per topic: a message sent while a receiver is
 * reconnecting is lost, which costs a live update or a webhook reply (it then times out), never a run.
 */
export interface Relay {
  publish(topic: RelayTopic, payload: unknown): Promise<void>;
  subscribe(topic: RelayTopic, listener: (payload: unknown) => void): () => void;
  /** Resolves once the subscriptions made so far receive messages. */
  ready(): Promise<void>;
}
