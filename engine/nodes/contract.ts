import { z } from "zod";
import type { DedupeService } from "../dedupe/service.ts";
import type { Message, NodeCategory, NodeTypeInfo, PortOutputs } from "../model/index.ts";

/** A reply for the HTTP request that started this run (webhook in `respond` mode). */
export interface WebhookReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** A stored credential as a node reads it. */
export interface CredentialValue {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface CredentialAccess {
  /**
   * Reads and decrypts a stored credential. Its secret values are redacted from this step's
   * outputs, error and meta before the step is journaled. A missing one fails the step.
   */
  get(id: string): Promise<CredentialValue>;
}

/** Everything a node may touch while it runs; side effects are injected here, never imported. */
export interface NodeContext {
  runId: string;
  flow: { id: string; name: string; version: number };
  node: { id: string; name?: string; type: string };
  /** n-th execution of this node within the run (1-based); stable across retries and resumes. */
  execution: number;
  attempt: number;
  signal: AbortSignal;
  now(): number;
  /** Evaluate a JSONata expression against `input` with the run's bindings ($run, $flow, $now, $node). */
  evaluate(expression: string, input: unknown): Promise<unknown>;
  /** Render a `{{ }}` template string against `input`. */
  render(template: string, input: unknown): Promise<string>;
  log(level: LogLevel, message: string, data?: unknown): void;
  fetch: typeof fetch;
  /** Answer the waiting webhook request, if this run has one; returns false when it is a no-op. */
  respond(reply: WebhookReply): boolean;
  /**
   * A store write this step made that may still be committing: the run's next journal write
   * waits for it too, so nothing that depends on it leaves the process before it is durable.
   */
  holdEffects(durable: Promise<unknown>): void;
  /** Facts to keep in this step's log entry. */
  meta: Record<string, unknown>;
  /** Set when a deferred item (delay) comes due: the time it was scheduled for. */
  wakeAt?: number;
  services: NodeServices;
  credentials: CredentialAccess;
}

/** Store-backed services for nodes that need shared state (dedupe, ...). */
export interface NodeServices {
  /** Set by createEngine from its Store. */
  dedupe?: DedupeService;
  [name: string]: unknown;
}

/** Messages per output port, or a request to wait durably until a time (delay). */
export type NodeResult = PortOutputs | { waitUntil: number };

export interface TriggerDeclaration {
  kind: "webhook" | "manual" | "schedule" | "poll" | "subscription";
}

export interface NodeDefinition<C = Record<string, unknown>> extends NodeTypeInfo {
  /**
   * Does running this node reach outside the run (HTTP call, publish)? Before such a node runs,
   * every earlier step of the run must be durable; effect-free steps are pipelined. (respond says
   * no: the executor holds its reply until the respond step itself is durable.)
   */
  sideEffects: boolean;
  title: string;
  description: string;
  icon: string;
  keywords: readonly string[];
  trigger?: TriggerDeclaration;
  parseConfig(raw: unknown): C;
  run(ctx: NodeContext, msg: Message, config: C): Promise<NodeResult> | NodeResult;
}

interface DefineNodeSpec<S extends z.ZodType> {
  type: string;
  category: NodeCategory;
  title: string;
  description: string;
  icon: string;
  keywords?: readonly string[];
  inputs?: readonly string[];
  outputs: readonly string[] | ((config: z.output<S>) => string[]);
  config: S;
  trigger?: TriggerDeclaration;
  /** Defaults to true for actions, false for triggers and logic. */
  sideEffects?: boolean;
  run(ctx: NodeContext, msg: Message, config: z.output<S>): Promise<NodeResult> | NodeResult;
}

/** The one helper every node type is built with; a node type is then one file. */
export function defineNode<S extends z.ZodType>(spec: DefineNodeSpec<S>): NodeDefinition<z.output<S>> {
  const outputs = spec.outputs;
  return {
    type: spec.type,
    category: spec.category,
    title: spec.title,
    description: spec.description,
    icon: spec.icon,
    keywords: spec.keywords ?? [],
    inputs: spec.inputs ?? (spec.category === "trigger" ? [] : ["in"]),
    trigger: spec.trigger,
    sideEffects: spec.sideEffects ?? spec.category === "action",
    configSchema: spec.config,
    outputPorts: (config) => (typeof outputs === "function" ? outputs(config as z.output<S>) : [...outputs]),
    parseConfig: (raw) => spec.config.parse(raw ?? {}),
    run: spec.run,
  };
}

/** The serialisable description served by `GET /api/node-types`. */
export function describeNodeType(def: NodeDefinition<unknown>) {
  const configSchema = z.toJSONSchema(def.configSchema, { io: "input", unrepresentable: "any" });
  let defaults: unknown;
  const parsed = def.configSchema.safeParse({});
  if (parsed.success) defaults = parsed.data;
  return {
    type: def.type,
    category: def.category,
    title: def.title,
    description: def.description,
    icon: def.icon,
    keywords: def.keywords,
    inputs: def.inputs,
    outputs: def.outputPorts((defaults ?? {}) as Record<string, unknown>),
    configSchema,
    defaults,
  };
}
