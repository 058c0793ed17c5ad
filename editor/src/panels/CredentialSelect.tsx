import { useShallow } from "zustand/react/shallow";
import { useCredentials } from "../store/credentials-store.ts";

/** A config field holding a credential id: a choice among the stored credentials that fit. */
export function CredentialSelect({ id, value, types, onChange }: { id: string; value: unknown; types: readonly string[]; onChange: (id: string | undefined) => void }) {
  const credentials = useCredentials(useShallow((s) => s.credentials.filter((c) => types.length === 0 || types.includes(c.type))));
  const current = typeof value === "string" ? value : "";
  const missing = current !== "" && !credentials.some((c) => c.id === current);
  return (
    <>
      <select id={id} className="rn-input" value={current} data-testid="credential-select" onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">Choose a credential…</option>
        {missing ? <option value={current}>{current} (not found)</option> : null}
        {credentials.map((c) => (
          <option key={c.id} value={c.id}>{c.name} ({c.type})</option>
        ))}
      </select>
      {credentials.length === 0 ? (
        <p className="rn-help">No {types.length ? types.join(" or ") : ""} credential yet: add one under Credentials in the sidebar.</p>
      ) : null}
    </>
  );
}
