import { useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { change, editorStore, isDirty, notify, redoChange, undoChange, useEditor } from "../store/editor-store.ts";
import { exportJson, importJson, reloadFromConflict, save, setActive } from "../store/persistence.ts";
import { webhookUrl } from "../api-client.ts";
import { addNote } from "../store/doc-actions.ts";
import { layoutAll } from "../canvas/layout-action.ts";
import { RunButton } from "./RunButton.tsx";
import { Icon } from "./Icon.tsx";

const mod = typeof navigator !== "undefined" && /Mac/.test(navigator.platform) ? "⌘" : "Ctrl+";

/** Flow name, save state, activation, run, webhook URL, import/export, canvas tools. */
export function TopBar({ dark, onToggleTheme }: { dark: boolean; onToggleTheme: () => void }) {
  const s = useEditor(
    useShallow((st) => ({
      name: st.doc.name, active: st.doc.active, saving: st.saving, dirty: isDirty(st), saved: !!st.doc.id,
      canUndo: st.history.past.length > 0, canRedo: st.history.future.length > 0, conflict: st.conflict,
    })),
  );
  const fileRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const copyWebhook = async () => {
    const { doc, selection } = editorStore.getState();
    const hooks = doc.nodes.filter((n) => n.type === "webhook");
    const hook = hooks.find((n) => selection.nodes.has(n.id)) ?? hooks[0];
    if (!hook || typeof hook.config.path !== "string") {
      notify("info", "Add a Webhook node first; its URL is what senders call.");
      return;
    }
    const url = webhookUrl(window.location.origin, hook.config.path);
    try {
      await navigator.clipboard.writeText(url);
      notify("success", `Copied ${url}${doc.active ? "" : " — activate the flow so it listens"}`);
    } catch {
      notify("info", `Webhook URL: ${url}`);
    }
  };

  const toggleActive = async () => {
    setBusy(true);
    await setActive(!s.active);
    setBusy(false);
  };

  return (
    <header className="rn-topbar">
      <div className="rn-brand" aria-hidden>≋ Runnel</div>
      <input
        className="rn-name-input" aria-label="Flow name" value={s.name} data-testid="flow-name"
        onChange={(e) => change((d) => ({ ...d, name: e.target.value }), { transient: true })}
        onBlur={(e) => change((d) => ({ ...d, name: e.target.value.trim() || "Untitled flow" }))}
        onKeyDown={(e) => e.key === "Enter" && e.currentTarget.blur()}
      />
      <span className={`rn-save-state ${s.dirty ? "dirty" : ""}`} data-testid="save-state">
        {s.saving ? "Saving…" : s.dirty ? "● Unsaved" : s.saved ? "Saved" : ""}
      </span>
      <button className="rn-btn primary" onClick={() => void save()} disabled={s.saving} title={`Save (${mod}S)`} data-testid="save">
        Save
      </button>
      <label className={`rn-switch ${s.active ? "on" : ""}`} title="Active flows listen on their triggers" data-testid="active-toggle">
        <input type="checkbox" role="switch" checked={s.active} disabled={busy || s.saving} onChange={() => void toggleActive()} />
        <span className="rn-switch-track" aria-hidden><span className="rn-switch-thumb" /></span>
        {s.active ? "Active" : "Inactive"}
      </label>
      <RunButton />
      <button className="rn-btn" onClick={() => void copyWebhook()} data-testid="copy-webhook" title="Copy the webhook URL">
        <Icon name="link" /> Webhook URL
      </button>
      <span className="rn-spacer" />
      <div className="rn-toolgroup" role="toolbar" aria-label="Canvas tools">
        <button className="rn-icon-btn" onClick={undoChange} disabled={!s.canUndo} title={`Undo (${mod}Z)`} aria-label="Undo"><Icon name="undo" /></button>
        <button className="rn-icon-btn" onClick={redoChange} disabled={!s.canRedo} title={`Redo (${mod}Shift+Z)`} aria-label="Redo"><Icon name="redo" /></button>
        <button className="rn-icon-btn" onClick={() => void layoutAll()} title="Auto-layout" aria-label="Auto-layout"><Icon name="layout" /></button>
        <button className="rn-icon-btn" title="Add a sticky note" aria-label="Add note"
          onClick={() => change((d) => addNote(d, { x: (d.nodes[0]?.position.x ?? 0), y: (d.nodes[0]?.position.y ?? 0) - 180 }).doc)}><Icon name="note" /></button>
        <button className="rn-icon-btn" onClick={() => fileRef.current?.click()} title="Import flow JSON" aria-label="Import"><Icon name="import" /></button>
        <button className="rn-icon-btn" onClick={exportJson} title="Export flow JSON" aria-label="Export" data-testid="export"><Icon name="export" /></button>
        <button className="rn-icon-btn" onClick={onToggleTheme} title="Light/dark theme" aria-label="Toggle theme"><Icon name={dark ? "sun" : "moon"} /></button>
      </div>
      <input ref={fileRef} type="file" accept="application/json,.json" hidden data-testid="import-file"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          if (file) importJson(await file.text());
          e.target.value = "";
        }} />
      {s.conflict ? (
        <div className="rn-conflict" role="alert" data-testid="conflict">
          This flow was saved elsewhere (now version {s.conflict.version}). Your edits are still here.
          <button className="rn-btn small" onClick={reloadFromConflict}>Reload theirs</button>
          <button className="rn-btn small danger" onClick={() => void save({ overwrite: true })}>Overwrite with mine</button>
        </div>
      ) : null}
    </header>
  );
}
