/**
 * Node-RED's version of the benchmark flows (flows.json), built like the baseline: http in →
 * switch → function (dedupe with an in-memory Set) → function (transform) → http response. Filtered
 * and repeated messages get a 200 too, as Runnel answers a run that ends without a respond node.
 */
type NodeRedNode = Record<string, unknown> & { id: string; type: string };

const TRANSFORM = `msg.payload = { id: msg.payload.id, total: msg.payload.amount * 1.2, email: String(msg.payload.user.email).toLowerCase() };
return msg;`;
const DEDUPE = `let seen = context.get("seen");
if (!seen) { seen = new Set(); context.set("seen", seen); }
if (seen.has(msg.payload.id)) return [null, msg];
seen.add(msg.payload.id);
return [msg, null];`;
const ENDED = `msg.payload = { status: "succeeded" }; return msg;`;
const ACCEPTED = `msg.statusCode = 202; msg.payload = { accepted: true }; return msg;`;

export function nodeRedFlows(): NodeRedNode[] {
  const tab = { id: "bench", type: "tab", label: "bench" };
  const nodes: NodeRedNode[] = [tab];
  const add = (node: NodeRedNode) => nodes.push({ z: "bench", x: 0, y: 0, ...node });
  for (const mode of ["respond", "accepted"] as const) {
    const p = (name: string) => `${name}-${mode}`;
    // accepted: answer 202 at once and run the rest after, as Runnel's accepted mode does.
    const entry = (id: string, kind: string, next: string) =>
      add({ id, type: "http in", url: `/${kind}-${mode}`, method: "post", wires: [mode === "respond" ? [next] : [next, p(`${kind}-ack`)]] });
    if (mode === "accepted") {
      for (const path of ["echo", "pipeline"]) {
        add({ id: p(`${path}-ack`), type: "function", func: ACCEPTED, outputs: 1, wires: [[p(`${path}-ackres`)]] });
        add({ id: p(`${path}-ackres`), type: "http response", wires: [] });
      }
    }
    const reply = mode === "respond" ? [p("res")] : [];
    add({ id: p("res"), type: "http response", wires: [] });
    entry(p("echo-in"), "echo", mode === "respond" ? p("res") : p("echo-done"));
    if (mode === "accepted") add({ id: p("echo-done"), type: "function", func: "return null;", outputs: 1, wires: [[]] });
    entry(p("pipe-in"), "pipeline", p("filter"));
    add({
      id: p("filter"), type: "switch", property: "payload.amount", propertyType: "msg", checkall: "false", outputs: 2,
      rules: [{ t: "gt", v: "0", vt: "num" }, { t: "else" }], wires: [[p("dedupe")], [p("ended")]],
    });
    add({ id: p("dedupe"), type: "function", func: DEDUPE, outputs: 2, wires: [[p("transform")], [p("ended")]] });
    add({ id: p("transform"), type: "function", func: TRANSFORM, outputs: 1, wires: [reply] });
    add({ id: p("ended"), type: "function", func: ENDED, outputs: 1, wires: [reply] });
  }
  return nodes;
}
