import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import { Canvas } from "./canvas/Canvas.tsx";
import { TopBar } from "./panels/TopBar.tsx";
import { FlowList } from "./panels/FlowList.tsx";
import { CredentialsPanel } from "./panels/CredentialsPanel.tsx";
import { Palette } from "./panels/Palette.tsx";
import { Inspector } from "./panels/Inspector.tsx";
import { RunsPanel } from "./panels/RunsPanel.tsx";
import { Notices } from "./panels/Notices.tsx";
import { fetchNodeTypes } from "./api-client.ts";
import { editorStore, isDirty, loadCatalog, notify } from "./store/editor-store.ts";
import { refreshFlows } from "./store/flows-store.ts";
import { refreshCredentials } from "./store/credentials-store.ts";
import { loadFlow, newDraft } from "./store/persistence.ts";
import { clearRun, showRun } from "./store/runs-live.ts";
import { flowPath, navigate, parseRoute, setNavigationGuard, usePathname, type Route } from "./router.ts";
import { useKeyboard } from "./keyboard.ts";
import { useTheme } from "./theme.ts";

// Only the /runs route needs it: loaded when first visited, not with the canvas.
const RunsPage = lazy(() => import("./panels/RunsPage.tsx").then((m) => ({ default: m.RunsPage })));

setNavigationGuard(() => !isDirty(editorStore.getState()) || window.confirm("Discard unsaved changes to this flow?"));

/** Opens whatever the address bar names: a new draft at `/`, a flow at `/flows/:id`. */
function useRouteSync(): void {
  const pathname = usePathname();
  const previous = useRef<Route>({ kind: "home" });
  useEffect(() => {
    const route = parseRoute(pathname);
    const left = previous.current;
    previous.current = route;
    const current = editorStore.getState().doc;
    if (route.kind === "flow") {
      const ready = current.id === route.flowId ? Promise.resolve() : loadFlow(route.flowId);
      // /flows/:id/runs/:runId paints that run; leaving it hides a run the user had opened.
      if (route.runId) void ready.then(() => showRun(route.runId!));
      else if ((left.kind === "flow" && left.runId) || (editorStore.getState().run && editorStore.getState().followRunId === null)) clearRun();
    } else if (route.kind === "home" && current.id !== undefined) {
      // The runs page leaves the open flow alone, so coming back finds it as it was.
      newDraft();
    }
  }, [pathname]);
}

export function App() {
  const { dark, toggle } = useTheme();
  const [catalogError, setCatalogError] = useState<string | null>(null);
  useKeyboard();
  // Before useRouteSync: a flow it opens waits for this catalog (see loadCatalog).
  useEffect(() => {
    loadCatalog(fetchNodeTypes).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      setCatalogError(message);
      notify("error", `Could not load the node catalog: ${message}`);
    });
    void refreshFlows();
    void refreshCredentials();
    const warn = (e: BeforeUnloadEvent) => {
      if (isDirty(editorStore.getState())) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);
  useRouteSync();
  const onRunsPage = parseRoute(usePathname()).kind === "runs";

  return (
    <ReactFlowProvider>
      <div className={`rn-app ${onRunsPage ? "is-runs-page" : ""}`}>
        {onRunsPage ? (
          <header className="rn-topbar">
            <div className="rn-brand" aria-hidden>≋ Runnel</div>
            <button className="rn-btn" onClick={() => { const id = editorStore.getState().doc.id; navigate(id ? flowPath(id) : "/"); }} data-testid="back-to-editor">← Back to the editor</button>
          </header>
        ) : <TopBar dark={dark} onToggleTheme={toggle} />}
        <nav className="rn-sidebar">
          <button className={`rn-nav-link ${onRunsPage ? "is-on" : ""}`} onClick={() => navigate("/runs")} data-testid="nav-runs">All runs</button>
          <FlowList />
          <CredentialsPanel />
          <Palette />
          {catalogError ? <p className="rn-error-text">Catalog unavailable: {catalogError}</p> : null}
        </nav>
        {onRunsPage ? (
          <main className="rn-main"><Suspense fallback={null}><RunsPage /></Suspense></main>
        ) : (
          <>
            <main className="rn-main">
              <Canvas dark={dark} />
              <RunsPanel />
            </main>
            <Inspector />
          </>
        )}
        <Notices />
      </div>
    </ReactFlowProvider>
  );
}
