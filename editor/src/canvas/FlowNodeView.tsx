import { memo, type MouseEvent } from "react";
import { Handle, Position, useReactFlow, useStore, type NodeProps } from "@xyflow/react";
import { editorStore } from "../store/editor-store.ts";
import type { RunnelNode } from "./to-react-flow.ts";
import { Icon } from "../panels/Icon.tsx";

/** Below this zoom, nodes draw as a plain coloured card: cheaper and still readable. */
export const SIMPLE_ZOOM = 0.5;
const zoomedOut = (s: { transform: [number, number, number] }) => s.transform[2] < SIMPLE_ZOOM;

const OUTCOME_BADGE: Record<string, string> = {
  succeeded: "✓", failed: "✕", skipped: "–", duplicate: "dup", rejected: "✓",
};

/** The one node component: everything comes from the catalog entry, nothing per type. */
function FlowNodeViewImpl({ id, data, selected }: NodeProps<RunnelNode>) {
  const simple = useStore(zoomedOut);
  const { screenToFlowPosition } = useReactFlow();
  const classes = [
    "rn-node",
    `cat-${data.category}`,
    selected ? "is-selected" : "",
    data.problems.length ? "has-problems" : "",
    data.outcome ? `outcome-${data.outcome}` : "",
    simple ? "is-simple" : "",
  ].join(" ");
  const connected = new Set(data.connected.split(","));

  const openPicker = (port: string) => (event: MouseEvent) => {
    event.stopPropagation();
    const screen = { x: event.clientX + 24, y: event.clientY - 12 };
    editorStore.setState({ picker: { screen, flow: screenToFlowPosition({ x: event.clientX + 60, y: event.clientY - 30 }), from: { nodeId: id, port } } });
  };

  return (
    <div className={classes} data-testid={`node-${data.typeName}`} data-node-id={id}>
      <div className="rn-node-head">
        {simple ? null : <span className="rn-node-icon" aria-hidden><Icon name={data.icon} size={15} /></span>}
        <span className="rn-node-titles">
          <span className="rn-node-title">{data.title}</span>
          {data.subtitle && !simple ? <span className="rn-node-subtitle">{data.subtitle}</span> : null}
        </span>
        {data.outcome && data.outcome !== "unreached" ? <span className={`rn-badge outcome`} title={`Last run: ${data.outcome}`}>{OUTCOME_BADGE[data.outcome]}</span> : null}
        {data.problems.length ? (
          <span className="rn-badge problem" title={data.problems.join("\n")} data-testid="node-problem">
            {data.problems.length}
          </span>
        ) : null}
      </div>
      {data.problems.length && !simple ? <div className="rn-node-problem">{data.problems[0]}</div> : null}
      {data.hint && !data.problems.length && !simple ? <div className="rn-node-hint" title={data.hint} data-testid="node-hint">{data.hint}</div> : null}
      <div className="rn-ports">
        <div className="rn-ports-in">
          {data.inputs.map((port) => (
            <div className="rn-port in" key={port}>
              <Handle type="target" position={Position.Left} id={port} className="rn-handle" />
              {!simple && data.inputs.length > 1 ? <span className="rn-port-label">{port}</span> : null}
            </div>
          ))}
        </div>
        <div className="rn-ports-out">
          {data.outputs.map((port) => (
            <div className={`rn-port out port-${port}`} key={port}>
              {!simple ? <span className="rn-port-label">{port}</span> : null}
              <Handle
                type="source"
                position={Position.Right}
                id={port}
                className={`rn-handle ${connected.has(port) ? "is-connected" : ""}`}
                title={`${port}: drag to connect, or drop on empty canvas to add a node`}
              />
              {!simple && !connected.has(port) ? (
                <button className="rn-port-add nodrag" title={`Add a node after “${port}”`} onClick={openPicker(port)} aria-label={`add after ${port}`}>
                  +
                </button>
              ) : null}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

export const FlowNodeView = memo(FlowNodeViewImpl);
