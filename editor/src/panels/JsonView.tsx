import { useState } from "react";

/** Collapsible JSON: objects and arrays fold, the first `open` levels start unfolded. */
export function JsonView({ value, label, open = 2, testId }: { value: unknown; label: string; open?: number; testId?: string }) {
  return (
    <div className="rn-json" data-testid={testId}>
      <div className="rn-json-bar">
        <span className="rn-json-label">{label}</span>
        <CopyButton text={value === undefined ? "" : JSON.stringify(value, null, 2)} />
      </div>
      <div className="rn-json-body">
        <JsonNode value={value} depth={0} open={open} />
      </div>
    </div>
  );
}

export function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    } catch {
      /* no clipboard permission: the text stays selectable */
    }
  };
  return (
    <button className="rn-btn small rn-copy" onClick={() => void copy()} title="Copy as JSON" data-testid="copy-json">
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

/** Items shown before "… N more"; a fan-out of thousands must not freeze the inspector. */
const SHOWN = 100;

function JsonNode({ value, depth, open, name }: { value: unknown; depth: number; open: number; name?: string }) {
  const key = name === undefined ? null : <span className="rn-json-key">{name}: </span>;
  if (value === null || typeof value !== "object") {
    return <div className="rn-json-leaf">{key}<Scalar value={value} /></div>;
  }
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const truncated = !isArray && "$truncated" in value;
  const [o, c] = isArray ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return <div className="rn-json-leaf">{key}<span className="rn-json-punct">{o}{c}</span></div>;
  return (
    <details className="rn-json-node" open={depth < open}>
      <summary>
        {key}<span className="rn-json-punct">{o}</span>
        <span className="rn-json-count">{isArray ? `${entries.length} items` : `${entries.length} keys`}</span>
        {truncated ? <span className="rn-json-truncated" title="The server stored only part of this payload">truncated</span> : null}
      </summary>
      <div className="rn-json-children">
        {entries.slice(0, SHOWN).map(([k, v]) => <JsonNode key={k} name={k} value={v} depth={depth + 1} open={open} />)}
        {entries.length > SHOWN ? <div className="rn-muted">… {entries.length - SHOWN} more (copy to see all)</div> : null}
      </div>
      <span className="rn-json-punct">{c}</span>
    </details>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (value === undefined) return <span className="rn-json-null">undefined</span>;
  if (value === null) return <span className="rn-json-null">null</span>;
  if (typeof value === "string") return <span className="rn-json-str">{JSON.stringify(value)}</span>;
  if (typeof value === "number") return <span className="rn-json-num">{value}</span>;
  if (typeof value === "boolean") return <span className="rn-json-bool">{String(value)}</span>;
  return <span>{String(value)}</span>;
}
