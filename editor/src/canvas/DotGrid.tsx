import { useStore, type ReactFlowState } from "@xyflow/react";

const PATTERN_ID = "rn-dotgrid";
const transformOf = (s: ReactFlowState) => s.transform;

/**
 * The dotted canvas background, drawn so that a pan does not repaint it. React Flow's
 * `<Background>` moves its SVG pattern on every pan frame, which repaints the whole canvas
 * each frame (and re-rasterises it: without a GPU that was most of a frame's cost). Here
 * the pattern changes only with the zoom; a pan shifts one pre-drawn layer, a grid step
 * larger than the canvas, by less than a step, which the compositor does without painting.
 */
export function DotGrid({ gap = 20, size = 1.2 }: { gap?: number; size?: number }) {
  const [x, y, zoom] = useStore(transformOf);
  const step = gap * zoom;
  // In [-step, 0), whole pixels so the dots stay crisp.
  const shift = (v: number) => Math.round((((v % step) + step) % step) - step);
  return (
    <div className="react-flow__background rn-dotgrid" aria-hidden data-testid="rf__background">
      <svg
        style={{
          width: `calc(100% + ${2 * step}px)`,
          height: `calc(100% + ${2 * step}px)`,
          transform: `translate(${shift(x)}px, ${shift(y)}px)`,
        }}
      >
        <pattern id={PATTERN_ID} width={step} height={step} patternUnits="userSpaceOnUse">
          <circle cx={step / 2} cy={step / 2} r={(size * zoom) / 2} className="react-flow__background-pattern dots" />
        </pattern>
        <rect width="100%" height="100%" fill={`url(#${PATTERN_ID})`} />
      </svg>
    </div>
  );
}
