// Placeholder so vitest's configured globalSetup resolves on this branch.
// The engine branch owns the real setup; this one intentionally does nothing.
export default async function setup(): Promise<void> {}
