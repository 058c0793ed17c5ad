import { Field, type FieldProps } from "./FieldInput.tsx";

/** Object, list, key/value and discriminated-union fields: recursion over FieldSpec. */

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const without = (o: Obj, key: string): Obj => {
  const { [key]: _gone, ...rest } = o;
  return rest;
};
export const setKey = (o: Obj, key: string, value: unknown): Obj => (value === undefined ? without(o, key) : { ...o, [key]: value });

export function ObjectField({ spec, value, onChange, problems, path }: FieldProps) {
  const obj = asObj(value ?? spec.defaultValue);
  return (
    <div className="rn-subform">
      {spec.fields?.map((f) => (
        <Field key={f.key} spec={f} value={obj[f.key]} path={`${path}.${f.key}`} problems={problems}
          onChange={(v, transient) => {
            // An optional object left empty (e.g. touching a rate limit's fields) is absent, not `{}`.
            const next = setKey(obj, f.key, v);
            onChange(Object.keys(next).length === 0 && !spec.required ? undefined : next, transient);
          }} />
      ))}
    </div>
  );
}

export function ListField({ spec, value, onChange, problems, path }: FieldProps) {
  const items = Array.isArray(value) ? value : [];
  return (
    <div className="rn-list">
      {items.map((item, i) => (
        <div className="rn-list-item" key={i}>
          <div className="rn-subform">
            {spec.fields?.map((f) => (
              <Field key={f.key} spec={f} value={asObj(item)[f.key]} path={`${path}.${i}.${f.key}`} problems={problems}
                onChange={(v, transient) => onChange(items.map((old, j) => (j === i ? setKey(asObj(old), f.key, v) : old)), transient)} />
            ))}
          </div>
          <button className="rn-icon-btn" title="Remove" onClick={() => onChange(items.filter((_, j) => j !== i))}>✕</button>
        </div>
      ))}
      <button className="rn-btn small" onClick={() => onChange([...items, {}])}>+ Add {spec.label.toLowerCase().replace(/s$/, "")}</button>
    </div>
  );
}

export function KeyValueField({ value, onChange }: FieldProps) {
  const entries = Object.entries(asObj(value));
  const rebuild = (next: [string, unknown][], transient = false) => onChange(next.length ? Object.fromEntries(next) : undefined, transient);
  return (
    <div className="rn-kv">
      {entries.map(([k, v], i) => (
        <div className="rn-kv-row" key={i}>
          <input className="rn-input mono" value={k} placeholder="name" aria-label="name"
            onChange={(e) => rebuild(entries.map((en, j) => (j === i ? [e.target.value, en[1]] : en)), true)}
            onBlur={() => rebuild(entries)} />
          <input className="rn-input mono" value={typeof v === "string" ? v : JSON.stringify(v)} placeholder="value" aria-label="value"
            onChange={(e) => rebuild(entries.map((en, j) => (j === i ? [en[0], e.target.value] : en)), true)}
            onBlur={() => rebuild(entries)} />
          <button className="rn-icon-btn" title="Remove" onClick={() => rebuild(entries.filter((_, j) => j !== i))}>✕</button>
        </div>
      ))}
      <button className="rn-btn small" onClick={() => rebuild([...entries, [nextKey(entries), ""]])}>+ Add</button>
    </div>
  );
}

function nextKey(entries: [string, unknown][]): string {
  const keys = new Set(entries.map(([k]) => k));
  let n = 1;
  while (keys.has(`name${n}`)) n++;
  return `name${n}`;
}

export function VariantField({ spec, value, onChange, problems, path }: FieldProps) {
  const variants = spec.variants!;
  const obj = asObj(value ?? spec.defaultValue);
  const current = typeof obj[variants.discriminator] === "string" ? (obj[variants.discriminator] as string) : "";
  const chosen = variants.cases.find((c) => c.value === current);
  return (
    <div className="rn-subform">
      <select className="rn-input" value={current} aria-label={spec.label}
        onChange={(e) => onChange(e.target.value ? { [variants.discriminator]: e.target.value } : undefined)}>
        {!spec.required ? <option value="">(none)</option> : null}
        {variants.cases.map((c) => <option key={c.value} value={c.value}>{c.value}</option>)}
      </select>
      {chosen?.fields.map((f) => (
        <Field key={f.key} spec={f} value={obj[f.key]} path={`${path}.${f.key}`} problems={problems}
          onChange={(v, transient) => onChange(setKey(obj, f.key, v), transient)} />
      ))}
    </div>
  );
}
