import { useSyncExternalStore } from "react";

/** Deep links (DESIGN §8) on the history API, so the back button walks through them. */
export type Route =
  | { kind: "home" }
  | { kind: "flow"; flowId: string; runId?: string }
  | { kind: "runs" };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "flows" && parts[1]) {
    return parts[2] === "runs" && parts[3] ? { kind: "flow", flowId: parts[1], runId: parts[3] } : { kind: "flow", flowId: parts[1] };
  }
  if (parts[0] === "runs") return { kind: "runs" };
  return { kind: "home" };
}

export function flowPath(flowId: string, runId?: string): string {
  const base = `/flows/${encodeURIComponent(flowId)}`;
  return runId ? `${base}/runs/${encodeURIComponent(runId)}` : base;
}

const listeners = new Set<() => void>();
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

/** Asked before leaving the current flow; return false to stay. */
let guard: () => boolean = () => true;
export function setNavigationGuard(fn: () => boolean): void {
  guard = fn;
}

export function navigate(path: string, options: { replace?: boolean; force?: boolean } = {}): boolean {
  if (path === window.location.pathname) return true;
  if (!options.force && !guard()) return false;
  if (options.replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  for (const listener of listeners) listener();
  return true;
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}
