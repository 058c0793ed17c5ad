export * from "./flow.ts";
export * from "./run.ts";
export * from "./settings.ts";
export * from "./duration.ts";
export * from "./graph.ts";
export * from "./validate.ts";
export * from "./catalog-view.ts";
export * from "./credential-field.ts";
