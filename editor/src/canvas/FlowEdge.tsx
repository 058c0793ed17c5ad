import { memo } from "react";
import { BaseEdge, getBezierPath, type EdgeProps } from "@xyflow/react";

/** A tenth of a flow unit: invisible at the largest zoom (2×), well above float noise. */
const round = (v: number) => Math.round(v * 10) / 10;

/**
 * React Flow's default bezier edge with its ends rounded. React Flow re-measures a node's
 * handles as the node scrolls into view, and the measurement (divided by the zoom) differs
 * from the estimate it opened with by about 1e-5: every edge of every node that appeared
 * got a new path and was repainted, long edges across many tiles. Rounded, the path stays
 * the same string and nothing is repainted.
 */
export const FlowEdge = memo(function FlowEdge(props: EdgeProps) {
  const [path] = getBezierPath({
    sourceX: round(props.sourceX), sourceY: round(props.sourceY), sourcePosition: props.sourcePosition,
    targetX: round(props.targetX), targetY: round(props.targetY), targetPosition: props.targetPosition,
  });
  return <BaseEdge path={path} style={props.style} markerStart={props.markerStart} markerEnd={props.markerEnd} interactionWidth={props.interactionWidth} />;
});
