import type { CredentialAccess, LogLevel, NodeContext, NodeServices, WebhookReply } from "../nodes/index.ts";

/** What every step of a run shares in its context: made once per run. */
export interface RunContext {
  runId: string;
  flow: NodeContext["flow"];
  now(): number;
  evaluate(expression: string, input: unknown): Promise<unknown>;
  render(template: string, input: unknown): Promise<string>;
  fetch: typeof fetch;
  holdEffects(durable: Promise<unknown>): void;
  services: NodeServices;
}

/** What differs from step to step (and attempt to attempt). */
export interface StepParts {
  node: NodeContext["node"];
  execution: number;
  attempt: number;
  /** Makes the abort signal on first use: most nodes never ask for it. */
  signal: () => AbortSignal;
  log(level: LogLevel, message: string, data?: unknown): void;
  respond(reply: WebhookReply): boolean;
  meta: Record<string, unknown>;
  wakeAt?: number;
  credentials: CredentialAccess;
}

/**
 * A step's NodeContext. A class rather than an object literal: a literal with a getter (the lazy
 * `signal`) is built as a dictionary, about 1 KB more garbage for every step.
 */
export class StepContext implements NodeContext {
  readonly runId: string;
  readonly flow: NodeContext["flow"];
  readonly node: NodeContext["node"];
  readonly execution: number;
  readonly attempt: number;
  readonly now: () => number;
  readonly evaluate: RunContext["evaluate"];
  readonly render: RunContext["render"];
  readonly log: StepParts["log"];
  readonly fetch: typeof fetch;
  readonly respond: StepParts["respond"];
  readonly holdEffects: RunContext["holdEffects"];
  readonly meta: Record<string, unknown>;
  readonly wakeAt?: number;
  readonly services: NodeServices;
  readonly credentials: CredentialAccess;
  readonly #signal: () => AbortSignal;

  constructor(run: RunContext, step: StepParts) {
    this.runId = run.runId;
    this.flow = run.flow;
    this.node = step.node;
    this.execution = step.execution;
    this.attempt = step.attempt;
    this.now = run.now;
    this.evaluate = run.evaluate;
    this.render = run.render;
    this.log = step.log;
    this.fetch = run.fetch;
    this.respond = step.respond;
    this.holdEffects = run.holdEffects;
    this.meta = step.meta;
    this.wakeAt = step.wakeAt;
    this.services = run.services;
    this.credentials = step.credentials;
    this.#signal = step.signal;
  }

  get signal(): AbortSignal {
    return this.#signal();
  }
}
