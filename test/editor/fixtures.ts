import type { NodeType } from "../../editor/src/store/catalog.ts";

/** A catalog shaped like GET /api/node-types, enough for the editor's pure logic. */
export const nodeTypes: NodeType[] = [
  {
    type: "webhook", category: "trigger", title: "Webhook", description: "Starts a run on an HTTP request",
    inputs: [], outputs: ["out"],
    configSchema: {
      type: "object",
      properties: {
        path: { type: "string", minLength: 1, description: "URL path under /hooks/" },
        method: { type: "string", enum: ["GET", "POST", "PUT"], default: "POST" },
        respond: { type: "string", enum: ["accepted", "respond"], default: "accepted" },
      },
      required: ["path"],
    },
  },
  {
    type: "filter", category: "logic", title: "Filter", description: "Passes messages whose condition holds",
    inputs: ["in"], outputs: ["out", "rejected"],
    configSchema: { type: "object", properties: { condition: { type: "string", format: "jsonata" } }, required: ["condition"] },
  },
  {
    type: "switch", category: "logic", title: "Switch", description: "Routes by the first matching rule",
    inputs: ["in"], outputs: ["default"],
    configSchema: {
      type: "object",
      properties: {
        rules: {
          type: "array", default: [],
          items: { type: "object", properties: { port: { type: "string" }, condition: { type: "string", format: "jsonata" } }, required: ["port", "condition"] },
        },
      },
    },
  },
  {
    type: "log", category: "action", title: "Log", description: "Writes a line to the run log",
    inputs: ["in"], outputs: ["out"],
    configSchema: {
      type: "object",
      properties: {
        level: { type: "string", enum: ["debug", "info", "warn", "error"], default: "info" },
        message: { type: "string", format: "template", default: "{{ $string(body) }}" },
      },
    },
  },
];
