export { createEngine, silentLogger, type Engine, type EngineOptions } from "./engine.ts";
export { EngineError } from "./errors.ts";
export { SqliteStore, FlowNotFoundError } from "./store/sqlite/store.ts";
export * from "./store/types.ts";
export { Catalog, builtinNodes, describeNodeType } from "./nodes/index.ts";
export { systemClock, type Clock } from "./runtime/clock.ts";
export type { EngineEvent } from "./runtime/events.ts";
export { StepFailure, ExpressionError, expressionCacheStats } from "./expr/index.ts";
export type { DedupeService } from "./dedupe/service.ts";
