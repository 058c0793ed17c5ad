import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { ReactFlow, Background, Controls, type Node, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { FlowDocument } from "../../engine/model/flow.ts";

function App() {
  const [flows, setFlows] = useState<FlowDocument[]>([]);
  const [selected, setSelected] = useState<string | undefined>(() => location.pathname.match(/^\/flows\/([^/]+)/)?.[1]);
  useEffect(() => {
    fetch("/api/flows")
      .then((r) => r.json())
      .then((body: { flows: FlowDocument[] }) => setFlows(body.flows));
  }, []);
  const flow = flows.find((f) => f.id === selected) ?? flows[0];
  const nodes: Node[] = (flow?.nodes ?? []).map((n) => ({ id: n.id, position: n.position, data: { label: n.name ?? n.type } }));
  const edges: Edge[] = (flow?.edges ?? []).map((e) => ({ id: e.id, source: e.source, target: e.target, label: e.sourcePort }));
  return (
    <div style={{ display: "flex", height: "100vh", fontFamily: "system-ui, sans-serif" }}>
      <aside style={{ width: 240, borderRight: "1px solid #ddd", padding: 12 }}>
        <h1 style={{ fontSize: 18 }}>Runnel</h1>
        <ul data-testid="flow-list" style={{ listStyle: "none", padding: 0 }}>
          {flows.map((f) => (
            <li key={f.id}>
              <a
                href={`/flows/${f.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  history.pushState(null, "", `/flows/${f.id}`);
                  setSelected(f.id);
                }}
              >
                {f.name}
              </a>
            </li>
          ))}
        </ul>
      </aside>
      <main style={{ flex: 1, height: "100%" }}>
        <ReactFlow nodes={nodes} edges={edges} fitView>
          <Background />
          <Controls />
        </ReactFlow>
      </main>
    </div>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
