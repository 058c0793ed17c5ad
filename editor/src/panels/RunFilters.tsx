import { useEffect, useState } from "react";
import { RUN_STATUSES, type RunStatus } from "../../../engine/model/index.ts";
import type { RunFilter } from "../runs-api.ts";
import { useFlows } from "../store/flows-store.ts";
import { useEditor } from "../store/editor-store.ts";

const FIELDS = ["flowId", "status", "trigger", "q", "since", "until"] as const;

/** Filters live in the address bar (`/runs?status=failed`), so a filtered view can be shared. */
export function filterFromSearch(search: string): RunFilter {
  const params = new URLSearchParams(search);
  const filter: RunFilter = {};
  for (const key of FIELDS) {
    const value = params.get(key);
    if (!value) continue;
    if (key === "status") {
      if ((RUN_STATUSES as readonly string[]).includes(value)) filter.status = value as RunStatus;
    } else filter[key] = value;
  }
  return filter;
}

export function searchOf(filter: RunFilter): string {
  const params = new URLSearchParams();
  for (const key of FIELDS) if (filter[key]) params.set(key, filter[key]!);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Flow, status, trigger type, text in the trigger message, time range. */
export function RunFilters({ filter, onChange }: { filter: RunFilter; onChange: (f: RunFilter) => void }) {
  const flows = useFlows((s) => s.flows);
  const triggers = useEditor((s) => s.catalogList.filter((t) => t.category === "trigger").map((t) => t.type).join(","));
  const [q, setQ] = useState(filter.q ?? "");
  // Typing is debounced: each keystroke must not reopen the event stream.
  useEffect(() => {
    if ((filter.q ?? "") === q) return;
    const timer = setTimeout(() => onChange({ ...filter, q }), 300);
    return () => clearTimeout(timer);
  }, [q, filter, onChange]);
  const set = (key: keyof RunFilter) => (e: { target: { value: string } }) => onChange({ ...filter, [key]: e.target.value });
  return (
    <form className="rn-run-filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter runs">
      <label>Flow
        <select className="rn-input" value={filter.flowId ?? ""} onChange={set("flowId")} data-testid="filter-flow">
          <option value="">All flows</option>
          {flows.map((f) => <option key={f.id} value={f.id}>{f.name}</option>)}
        </select>
      </label>
      <label>Status
        <select className="rn-input" value={filter.status ?? ""} onChange={set("status")} data-testid="filter-status">
          <option value="">Any</option>
          {RUN_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <label>Trigger
        <select className="rn-input" value={filter.trigger ?? ""} onChange={set("trigger")} data-testid="filter-trigger">
          <option value="">Any</option>
          {triggers.split(",").filter(Boolean).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label className="rn-grow">Text in the trigger message
        <input className="rn-input" type="search" value={q} placeholder="an id, an e-mail, an order number…" onChange={(e) => setQ(e.target.value)} data-testid="filter-text" />
      </label>
      <label>From
        <input className="rn-input" type="datetime-local" value={filter.since ?? ""} onChange={set("since")} data-testid="filter-since" />
      </label>
      <label>Until
        <input className="rn-input" type="datetime-local" value={filter.until ?? ""} onChange={set("until")} data-testid="filter-until" />
      </label>
    </form>
  );
}
