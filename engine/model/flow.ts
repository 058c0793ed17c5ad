import { z } from "zod";

export const FLOW_SCHEMA_VERSION = 1;

const id = z.string().min(1).max(200);

export const positionSchema = z.object({ x: z.number(), y: z.number() });

export const flowNodeSchema = z.object({
  id,
  type: z.string().min(1).max(100),
  name: z.string().max(200).optional(),
  position: positionSchema.default({ x: 0, y: 0 }),
  config: z.record(z.string(), z.unknown()).default({}),
  settings: z.record(z.string(), z.unknown()).optional(),
});

export const flowEdgeSchema = z.object({
  id,
  source: id,
  sourcePort: z.string().min(1).max(100).default("out"),
  target: id,
  targetPort: z.string().min(1).max(100).default("in"),
});

export const stickyNoteSchema = z.object({
  id,
  text: z.string().max(10_000),
  position: positionSchema,
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
});

/** What a client sends when it creates or saves a flow: the server owns id and version. */
export const flowInputSchema = z.object({
  schemaVersion: z.literal(FLOW_SCHEMA_VERSION).default(FLOW_SCHEMA_VERSION),
  name: z.string().trim().min(1).max(200),
  active: z.boolean().default(false),
  nodes: z.array(flowNodeSchema).max(5_000).default([]),
  edges: z.array(flowEdgeSchema).max(10_000).default([]),
  notes: z.array(stickyNoteSchema).max(1_000).optional(),
});

export const flowDocumentSchema = flowInputSchema.extend({
  id,
  version: z.number().int().positive(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});

export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowEdge = z.infer<typeof flowEdgeSchema>;
export type FlowInput = z.infer<typeof flowInputSchema>;
export type FlowDocument = z.infer<typeof flowDocumentSchema>;
export type StickyNote = z.infer<typeof stickyNoteSchema>;

/** A JSON value as it travels between nodes. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Message = Json;
