import { useEffect, useState } from "react";
import { isDuration } from "../../../engine/model/index.ts";
import type { FieldSpec } from "./schema-fields.ts";
import { ExpressionPreview } from "./ExpressionPreview.tsx";
import { KeyValueField, ListField, ObjectField, VariantField } from "./CompoundFields.tsx";
import { CredentialSelect } from "./CredentialSelect.tsx";

export type Commit = (value: unknown, transient?: boolean) => void;

export interface FieldProps {
  spec: FieldSpec;
  value: unknown;
  onChange: Commit;
  problems: (path: string) => string[];
  path: string;
}

const text = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const placeholderOf = (spec: FieldSpec): string =>
  spec.defaultValue !== undefined && typeof spec.defaultValue !== "object" ? String(spec.defaultValue) : "";

/** One generated form field: label, the right control for its kind, help and problems. */
export function Field(props: FieldProps) {
  const { spec, path } = props;
  const problems = props.problems(path);
  const id = `f-${path.replace(/[^\w-]/g, "-")}`;
  const compound = spec.kind === "object" || spec.kind === "list" || spec.kind === "keyvalue" || spec.kind === "variant";
  return (
    <div className={`rn-field kind-${spec.kind} ${spec.required ? "is-required" : ""} ${problems.length ? "has-problem" : ""}`} data-field={path}>
      <label htmlFor={id} className="rn-field-label">
        {spec.label}
        {spec.required ? <span className="rn-required" title="required">*</span> : null}
        {badge(spec) ? <span className="rn-tag">{badge(spec)}</span> : null}
      </label>
      {compound ? <Compound {...props} /> : <Control {...props} id={id} />}
      {(spec.kind === "expression" || spec.kind === "template") && typeof props.value === "string" ? (
        <ExpressionPreview text={props.value} template={spec.kind === "template"} />
      ) : null}
      {spec.description ? <p className="rn-help">{spec.description}</p> : null}
      {problems.map((message) => (
        <p key={message} className="rn-field-problem" role="alert">{message}</p>
      ))}
    </div>
  );
}

function badge(spec: FieldSpec): string {
  switch (spec.kind) {
    case "expression": return "JSONata";
    case "template": return "{{ }}";
    case "duration": return "duration";
    default: return "";
  }
}

function Compound(props: FieldProps) {
  switch (props.spec.kind) {
    case "object": return <ObjectField {...props} />;
    case "list": return <ListField {...props} />;
    case "keyvalue": return <KeyValueField {...props} />;
    default: return <VariantField {...props} />;
  }
}

function Control({ spec, value, onChange, id }: FieldProps & { id: string }) {
  const commitText = (v: string, transient: boolean) => onChange(v === "" && !spec.required ? undefined : v, transient);
  switch (spec.kind) {
    case "boolean":
      return (
        <input id={id} type="checkbox" className="rn-check" checked={value === undefined ? spec.defaultValue === true : value === true} onChange={(e) => onChange(e.target.checked)} />
      );
    case "number":
      return (
        <input
          id={id} type="number" className="rn-input" value={typeof value === "number" ? value : ""} placeholder={placeholderOf(spec)}
          step={spec.integer ? 1 : "any"} min={spec.minimum} max={spec.maximum}
          onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value), true)}
          onBlur={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      );
    case "select":
      if (spec.freeText) {
        return (
          <>
            <input id={id} className="rn-input" list={`${id}-options`} value={text(value)} placeholder={placeholderOf(spec)}
              onChange={(e) => commitText(e.target.value, true)} onBlur={(e) => commitText(e.target.value, false)} />
            <datalist id={`${id}-options`}>{spec.options?.map((o) => <option key={o} value={o} />)}</datalist>
          </>
        );
      }
      return (
        <select id={id} className="rn-input" value={text(value ?? spec.defaultValue)} onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}>
          {value === undefined && spec.defaultValue === undefined ? <option value="">Choose…</option> : null}
          {spec.options?.map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      );
    case "expression":
    case "multiline":
      return (
        <textarea
          id={id} className={`rn-input mono ${spec.kind}`} rows={spec.kind === "multiline" ? 6 : 2} spellCheck={false}
          value={text(value)} placeholder={placeholderOf(spec) || (spec.kind === "expression" ? "JSONata expression" : "")}
          onChange={(e) => commitText(e.target.value, true)} onBlur={(e) => commitText(e.target.value, false)}
        />
      );
    case "credential":
      return <CredentialSelect id={id} value={value} types={spec.credentialTypes ?? []} onChange={(v) => onChange(v)} />;
    case "secret":
      return (
        <input id={id} type="password" autoComplete="new-password" className="rn-input" value={text(value)}
          onChange={(e) => commitText(e.target.value, true)} onBlur={(e) => commitText(e.target.value, false)} />
      );
    case "json":
      return <JsonControl id={id} value={value} onChange={onChange} />;
    case "duration": {
      const bad = typeof value === "string" && value !== "" && !isDuration(value) && value !== "forever";
      return (
        <input id={id} className={`rn-input mono ${bad ? "is-invalid" : ""}`} value={text(value)} placeholder={placeholderOf(spec) || "30s, 10m, 24h"}
          onChange={(e) => commitText(e.target.value, true)} onBlur={(e) => commitText(e.target.value, false)}
          title={bad ? "Use a number and a unit: 500ms, 30s, 10m, 24h, 30d" : undefined}
        />
      );
    }
    default:
      return (
        <input id={id} className={`rn-input ${spec.kind === "template" ? "mono" : ""}`} value={text(value)} placeholder={placeholderOf(spec)}
          onChange={(e) => commitText(e.target.value, true)} onBlur={(e) => commitText(e.target.value, false)}
        />
      );
  }
}

/** Free JSON: edited as text, committed only when it parses. */
function JsonControl({ id, value, onChange }: { id: string; value: unknown; onChange: Commit }) {
  const [draft, setDraft] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(value === undefined ? "" : JSON.stringify(value, null, 2));
  }, [value]);
  return (
    <>
      <textarea
        id={id} className={`rn-input mono ${error ? "is-invalid" : ""}`} rows={5} spellCheck={false} value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          if (draft.trim() === "") return onChange(undefined);
          try {
            onChange(JSON.parse(draft));
            setError(null);
          } catch (e) {
            setError(e instanceof Error ? e.message : "invalid JSON");
          }
        }}
      />
      {error ? <p className="rn-field-problem">Not saved into the node: {error}</p> : null}
    </>
  );
}
