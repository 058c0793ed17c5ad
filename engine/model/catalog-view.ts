import type { z } from "zod";

export const NODE_CATEGORIES = ["trigger", "logic", "action"] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

/** What validation and the editor need to know about a node type; no behaviour. */
export interface NodeTypeInfo {
  type: string;
  category: NodeCategory;
  inputs: readonly string[];
  /** Output ports; some types derive them from their config (switch: one per rule). */
  outputPorts(config: Record<string, unknown>): string[];
  configSchema: z.ZodType;
}

export type CatalogView = (type: string) => NodeTypeInfo | undefined;

export const ERROR_PORT = "error";
