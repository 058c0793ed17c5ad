import { useEffect, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { useEditor } from "../store/editor-store.ts";
import { stepOutcome } from "../store/run-overlay.ts";
import { retryShown } from "../store/runs-live.ts";
import type { RunStep } from "../runs-api.ts";
import { JsonView } from "./JsonView.tsx";
import { dateTime, durationOf } from "./RunBits.tsx";

/** What one node did in the run shown: every execution, its input, outputs, error, timings. */
export function StepDetails({ nodeId }: { nodeId: string }) {
  const { steps, outcome, run, title } = useEditor(
    useShallow((s) => {
      const node = s.doc.nodes.find((n) => n.id === nodeId);
      const title = node?.name || (node && s.catalog.get(node.type)?.title) || nodeId;
      return { steps: s.run?.steps[nodeId], outcome: s.run?.nodes[nodeId] ?? "unreached", run: s.run, title };
    }),
  );
  const [index, setIndex] = useState(0);
  const count = steps?.length ?? 0;
  useEffect(() => setIndex((i) => Math.min(i, Math.max(0, count - 1))), [count]);
  if (!run) return null;
  const step = steps?.[index];
  return (
    <div className="rn-step" data-testid="step-details">
      <p className="rn-step-summary">
        In run <code>{run.runId.slice(-8)}</code>, <strong>{title}</strong>{" "}
        <strong className={`rn-outcome-text out-${outcome}`} data-testid="step-outcome">{outcome === "unreached" ? "was not reached" : outcome}</strong>
        {count > 1 ? ` (${count} executions)` : ""}.
      </p>
      {count > 1 ? (
        <div className="rn-step-tabs" role="tablist" aria-label="Executions">
          {steps!.map((s, i) => (
            <button key={s.seq} role="tab" aria-selected={i === index} className={`rn-step-tab out-${stepOutcome(s)} ${i === index ? "is-on" : ""}`}
              onClick={() => setIndex(i)} title={`step ${s.seq}: ${stepOutcome(s)}`} data-testid="execution-tab">
              #{i + 1}
            </button>
          ))}
        </div>
      ) : null}
      {step ? <Step step={step} /> : <p className="rn-muted">The run ended before a message got here.</p>}
      <RetryFromHere nodeId={nodeId} reached={count > 0} flowVersion={run.flowVersion} />
    </div>
  );
}

function Step({ step }: { step: RunStep }) {
  const { outcome: _o, reusedFrom, ...meta } = step.meta ?? {};
  const ports = Object.entries(step.outputs);
  return (
    <>
      <dl className="rn-step-facts">
        <dt>Status</dt><dd className={`st-${step.status}`}>{stepOutcome(step)}</dd>
        <dt>Attempts</dt><dd data-testid="step-attempts">{step.attempts}</dd>
        <dt>Started</dt><dd>{dateTime(step.startedAt)}</dd>
        <dt>Took</dt><dd>{durationOf(step.startedAt, step.finishedAt) || "—"}</dd>
        <dt>Step</dt><dd>#{step.seq}{typeof reusedFrom === "string" ? <span className="rn-muted"> · reused from run {reusedFrom.slice(-8)}</span> : null}</dd>
      </dl>
      {step.error ? (
        <div className="rn-step-error" role="alert" data-testid="step-error">
          {step.error.code ? <code>{step.error.code}</code> : null} {step.error.message}
        </div>
      ) : null}
      <JsonView label="Input" value={step.input} testId="step-input" />
      {ports.length === 0 ? <p className="rn-muted">No output.</p> : null}
      {ports.map(([port, messages]) => (
        <JsonView key={port} label={`Output “${port}” · ${messages.length} message${messages.length === 1 ? "" : "s"}`} value={messages} open={messages.length > 1 ? 1 : 2} testId={`step-output-${port}`} />
      ))}
      {Object.keys(meta).length > 0 ? <JsonView label="Details" value={meta} open={1} /> : null}
    </>
  );
}

/** "Retry from this node": reuses the journal before it, on the current or the original version. */
function RetryFromHere({ nodeId, reached, flowVersion }: { nodeId: string; reached: boolean; flowVersion: number | undefined }) {
  const [version, setVersion] = useState<"current" | "original">("current");
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    await retryShown({ fromNode: nodeId, version });
    setBusy(false);
  };
  return (
    <div className="rn-step-retry">
      <h3>Retry from this node</h3>
      <div className="rn-row" role="radiogroup" aria-label="Flow version">
        <label><input type="radio" name="retry-version" checked={version === "current"} onChange={() => setVersion("current")} data-testid="retry-current" /> current version</label>
        <label><input type="radio" name="retry-version" checked={version === "original"} onChange={() => setVersion("original")} data-testid="retry-original" /> version the run used{flowVersion !== undefined ? ` (v${flowVersion})` : ""}</label>
      </div>
      <button className="rn-btn primary" disabled={!reached || busy} onClick={() => void retry()} data-testid="retry-from-node"
        title={reached ? "Run this node again with the input it had, then everything after it" : "This node did not run, so there is no input to retry it with"}>
        ↻ Retry from here
      </button>
      {version === "current" ? <p className="rn-muted">Unsaved edits are saved first.</p> : null}
    </div>
  );
}
