/** The two benchmark flows (issue 9), as Runnel flow documents. peers.ts builds the same for Node-RED. */
import { flow } from "../helpers/flows.ts";

export type FlowKind = "echo" | "pipeline";
export type ReplyMode = "respond" | "accepted";

export const FILTER_CONDITION = "body.amount > 0";
export const TRANSFORM_EXPRESSION = `{ "id": body.id, "total": body.amount * 1.2, "email": $lowercase(body.user.email) }`;

export function benchFlow(kind: FlowKind, mode: ReplyMode) {
  const hook = { id: "hook", type: "webhook", config: { path: `${kind}-${mode}`, respond: mode } };
  if (kind === "echo") {
    return flow(`bench ${kind} ${mode}`, [hook, { id: "reply", type: "respond", config: { body: "body" } }], ["hook->reply"]);
  }
  return flow(
    `bench ${kind} ${mode}`,
    [
      hook,
      { id: "filter", type: "filter", config: { condition: FILTER_CONDITION } },
      { id: "dedupe", type: "dedupe", config: { key: "body.id" } },
      { id: "transform", type: "transform", config: { expression: TRANSFORM_EXPRESSION } },
      { id: "reply", type: "respond", config: {} },
    ],
    ["hook->filter", "filter->dedupe", "dedupe->transform", "transform->reply"],
  );
}
