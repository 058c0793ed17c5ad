import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import {
  createCredential,
  deleteCredential,
  listCredentials,
  listCredentialTypes,
  type CredentialInfo,
  type CredentialTypeInfo,
} from "../api-client.ts";

/** Stored credentials (names, types, ids — never values) for the sidebar panel and credential fields. */
export interface CredentialsState {
  credentials: CredentialInfo[];
  types: CredentialTypeInfo[];
  error: string | null;
}

export const credentialsStore = createStore<CredentialsState>()(() => ({ credentials: [], types: [], error: null }));

export function useCredentials<T>(selector: (state: CredentialsState) => T): T {
  return useStore(credentialsStore, selector);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function refreshCredentials(): Promise<void> {
  try {
    const [credentials, types] = await Promise.all([listCredentials(), listCredentialTypes()]);
    credentials.sort((a, b) => a.name.localeCompare(b.name));
    credentialsStore.setState({ credentials, types, error: null });
  } catch (error) {
    credentialsStore.setState({ error: message(error) });
  }
}

/** Creates a credential and returns its id; the values typed in are not kept anywhere here. */
export async function addCredential(input: { name: string; type: string; data: Record<string, unknown> }): Promise<string> {
  const id = await createCredential(input);
  await refreshCredentials();
  return id;
}

export async function removeCredential(id: string): Promise<void> {
  await deleteCredential(id);
  credentialsStore.setState({ credentials: credentialsStore.getState().credentials.filter((c) => c.id !== id) });
}
