import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { FlowDocument } from "../../../engine/model/index.ts";
import { listFlows } from "../api-client.ts";

/** The flow list in the sidebar; refreshed after saves, deletes and on demand. */
export interface FlowsState {
  flows: FlowDocument[];
  loading: boolean;
  error: string | null;
}

export const flowsStore = createStore<FlowsState>()(() => ({ flows: [], loading: false, error: null }));

export function useFlows<T>(selector: (state: FlowsState) => T): T {
  return useStore(flowsStore, selector);
}

export async function refreshFlows(): Promise<void> {
  flowsStore.setState({ loading: true });
  try {
    const flows = await listFlows();
    flows.sort((a, b) => a.name.localeCompare(b.name));
    flowsStore.setState({ flows, loading: false, error: null });
  } catch (error) {
    flowsStore.setState({ loading: false, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Reflects a saved document in the list without a round trip. */
export function upsertFlow(flow: FlowDocument): void {
  const flows = flowsStore.getState().flows.filter((f) => f.id !== flow.id);
  flows.push(flow);
  flows.sort((a, b) => a.name.localeCompare(b.name));
  flowsStore.setState({ flows });
}

export function dropFlow(id: string): void {
  flowsStore.setState({ flows: flowsStore.getState().flows.filter((f) => f.id !== id) });
}
