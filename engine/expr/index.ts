export * from "./errors.ts";
export * from "./jsonata.ts";
export * from "./template.ts";
