import { useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { ApiError } from "../api-client.ts";
import { addCredential, removeCredential, useCredentials } from "../store/credentials-store.ts";
import { notify } from "../store/editor-store.ts";
import { Field } from "./FieldInput.tsx";
import { fieldsOf, type FieldSpec } from "./schema-fields.ts";
import { Icon } from "./Icon.tsx";

const FORM_KINDS = new Set<FieldSpec["kind"]>(["text", "secret", "select"]);

/** Stored credentials in the sidebar: list, create (name, type, its data form), delete. Values are never shown. */
export function CredentialsPanel() {
  const { credentials, types, error } = useCredentials(useShallow((s) => ({ credentials: s.credentials, types: s.types, error: s.error })));
  const [open, setOpen] = useState(false);

  const confirmDelete = async (id: string, name: string) => {
    if (!window.confirm(`Delete the credential “${name}”? Nodes that use it stop working.`)) return;
    try {
      await removeCredential(id);
      notify("success", `Deleted “${name}”`);
    } catch (e) {
      notify("error", e instanceof ApiError ? e.message : `Could not delete “${name}”`);
    }
  };

  return (
    <section className="rn-credentials" aria-label="Credentials" data-testid="credentials-panel">
      <div className="rn-section-head">
        <h2>Credentials</h2>
        <button className="rn-btn small" onClick={() => setOpen(!open)} data-testid="new-credential">{open ? "Cancel" : "+ New"}</button>
      </div>
      {open ? <NewCredentialForm onDone={() => setOpen(false)} /> : null}
      <ul className="rn-flowlist-items">
        {credentials.map((c) => (
          <li key={c.id} data-testid="credential-row">
            <span className="rn-credential-name" title={c.id}>
              {c.name} <span className="rn-muted">{c.type}</span>
            </span>
            <span className="rn-row-actions">
              <button className="rn-icon-btn" title="Delete" aria-label={`Delete ${c.name}`} onClick={() => void confirmDelete(c.id, c.name)}>
                <Icon name="trash" size={13} />
              </button>
            </span>
          </li>
        ))}
      </ul>
      {error ? <p className="rn-error-text">Could not load credentials: {error}</p> : null}
      {!error && credentials.length === 0 && types.length > 0 ? <p className="rn-muted">None yet. Secrets for webhooks and HTTP calls live here.</p> : null}
    </section>
  );
}

function NewCredentialForm({ onDone }: { onDone: () => void }) {
  const types = useCredentials((s) => s.types);
  const [name, setName] = useState("");
  const [type, setType] = useState(types[0]?.type ?? "");
  const [data, setData] = useState<Record<string, unknown>>({});
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const fields = fieldsOf(types.find((t) => t.type === type)?.dataSchema).filter((f) => FORM_KINDS.has(f.kind));

  const submit = async () => {
    try {
      await addCredential({ name: name.trim(), type, data });
      notify("success", `Saved “${name.trim()}”; its value will not be shown again`);
      setData({});
      onDone();
    } catch (e) {
      const details = e instanceof ApiError ? (e.body?.error.details as { problems?: { field: string; message: string }[] } | undefined) : undefined;
      setProblems(details?.problems ?? []);
      notify("error", e instanceof Error ? e.message : "Could not save the credential");
    }
  };

  return (
    <form className="rn-subform" data-testid="credential-form" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <label className="rn-field-label" htmlFor="cred-name">Name</label>
      <input id="cred-name" className="rn-input" value={name} onChange={(e) => setName(e.target.value)} required />
      <label className="rn-field-label" htmlFor="cred-type">Type</label>
      <select id="cred-type" className="rn-input" value={type} onChange={(e) => (setType(e.target.value), setData({}))}>
        {types.map((t) => <option key={t.type} value={t.type}>{t.title}</option>)}
      </select>
      {fields.map((f) => (
        <Field key={`${type}.${f.key}`} spec={f} value={data[f.key]} path={`data.${f.key}`}
          problems={(path) => problems.filter((p) => p.field === path).map((p) => p.message)}
          onChange={(v) => setData((d) => ({ ...d, [f.key]: v }))} />
      ))}
      <button className="rn-btn primary small" type="submit" disabled={!name.trim() || !type} data-testid="save-credential">Save credential</button>
    </form>
  );
}
