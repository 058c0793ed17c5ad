import { CredentialService } from "./credentials/credential-service.ts";
import { createDedupeService } from "./dedupe/service.ts";
import { CompiledFlowCache } from "./executor/compiled-flow.ts";
import type { ExecutorDeps, Logger } from "./executor/run-executor.ts";
import { Catalog, type NodeServices } from "./nodes/index.ts";
import { systemClock, type Clock } from "./runtime/clock.ts";
import { EventBus } from "./runtime/events.ts";
import { FlowService } from "./runtime/flow-service.ts";
import { defaultKeyPruning, KeyPruner, type KeyPrunerOptions } from "./runtime/key-pruner.ts";
import { linkRelay } from "./runtime/relay-link.ts";
import { ReplyHub } from "./runtime/replies.ts";
import { RunService } from "./runtime/run-service.ts";
import { TriggerManager } from "./runtime/trigger-manager.ts";
import { WebhookRouter } from "./runtime/webhook-router.ts";
import type { CrashHook } from "./runtime/crash-points.ts";
import { DEFAULT_RETENTION, RetentionService, type RetentionOptions } from "./runtime/retention.ts";
import type { SecretKey } from "./security/credential-crypto.ts";
import { Worker, type WorkerOptions } from "./runtime/worker.ts";
import { DEFAULT_RUN_LIMITS, type RunLimits } from "./executor/limits.ts";
import type { Store } from "./store/types.ts";

export interface EngineOptions {
  store: Store;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
  catalog?: Catalog;
  services?: NodeServices;
  /** `false` for a process that only ingests (the API of a scaled-out deployment). */
  worker?: Partial<WorkerOptions> | false;
  /**
   * Scaled out: take in other processes' run events, webhook replies and flow saves (default
   * true). `false` for a process that serves no HTTP (runnel worker): it only sends them.
   */
  receiveFromPeers?: boolean;
  /** Arm schedule and poll triggers (default true); their fires are recorded, so several processes may. */
  triggers?: boolean;
  maxStepsPerRun?: number;
  /** Per-run limits; maxSteps overrides maxStepsPerRun. */
  limits?: Partial<RunLimits>;
  /** Pruning of old runs; `false` turns it off (tests that count every run). */
  retention?: Partial<RetentionOptions> | false;
  /** Fault injection for the crash tests; never set in production. */
  crash?: CrashHook;
  /** Encrypts stored credentials (RUNNEL_SECRET_KEY); without it credentials cannot be saved or read. */
  secretKey?: SecretKey;
  /** Background deletion of expired dedupe/idempotency keys; `false` turns the timer off. */
  keyPruning?: Partial<KeyPrunerOptions> | false;
}

export const silentLogger: Logger = { log: () => undefined };

/** The engine's public surface; it runs in any Node program, with or without the HTTP API. */
export function createEngine(options: EngineOptions) {
  const store = options.store;
  const clock = options.clock ?? systemClock;
  const catalog = options.catalog ?? new Catalog();
  const logger = options.logger ?? silentLogger;
  const events = new EventBus();
  const replies = new ReplyHub();
  const router = new WebhookRouter();
  const compiledFlows = new CompiledFlowCache(catalog);
  const credentials = new CredentialService(store, catalog, clock, options.secretKey);
  const dedupe = createDedupeService(store, clock);
  const keyPruner = new KeyPruner(store, clock, logger, { ...defaultKeyPruning, ...(options.keyPruning || {}) });
  const deps: ExecutorDeps = {
    store,
    clock,
    events,
    replies,
    fetch: options.fetch ?? fetch,
    logger,
    services: { dedupe, ...options.services },
    maxStepsPerRun: options.limits?.maxSteps ?? options.maxStepsPerRun ?? DEFAULT_RUN_LIMITS.maxSteps,
    maxStepBytes: options.limits?.maxStepBytes ?? DEFAULT_RUN_LIMITS.maxStepBytes,
    maxRunBytes: options.limits?.maxRunBytes ?? DEFAULT_RUN_LIMITS.maxRunBytes,
    crash: options.crash,
    credentials,
  };
  const worker =
    options.worker === false
      ? undefined
      : new Worker(deps, compiledFlows, { concurrency: 16, leaseMs: 30_000, pollMs: 1_000, ...options.worker });
  const runs = new RunService(store, clock, events, () => worker, options.crash);
  const triggers = options.triggers === false ? undefined : new TriggerManager({ store, clock, runs, fetch: deps.fetch, logger });
  const flows = new FlowService(store, catalog, router, clock, triggers ? [triggers] : [], credentials);
  const retention =
    options.retention === false ? undefined : new RetentionService(store, clock, logger, { ...DEFAULT_RETENTION, ...options.retention });
  // Scaled out (PostgreSQL): events, webhook replies and flow saves cross processes; absent on SQLite.
  const relayLink = store.relay
    ? linkRelay(store.relay, { events, replies, flows }, logger, { receive: options.receiveFromPeers !== false })
    : undefined;

  return {
    store,
    clock,
    catalog,
    events,
    replies,
    router,
    flows,
    runs,
    credentials,
    worker,
    triggers,
    retention,
    logger,
    dedupe,
    keyPruner,
    async start(): Promise<void> {
      await flows.loadActive();
      worker?.start();
      // Also covers the worker's wake subscription: once this resolves, no enqueue goes unnoticed.
      await relayLink?.ready();
      triggers?.start();
      retention?.start();
      if (options.keyPruning !== false) keyPruner.start();
    },
    /** Stops claiming, lets in-flight steps finish up to `timeoutMs`, hands the rest back. */
    async stop(timeoutMs = 10_000): Promise<void> {
      await triggers?.stop();
      await Promise.all([worker?.stop(timeoutMs), retention?.stop()]);
      await keyPruner.stop();
      await relayLink?.close();
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
