/**
 * Bytes this process allocates while `work` runs, short-lived objects included (V8's sampling heap
 * profiler, keeping samples of collected objects). Steadier than CPU time on a shared machine: the
 * same run allocates the same within a few percent, whatever else the machine is doing.
 */
import { Session } from "node:inspector/promises";

interface SampledNode {
  selfSize: number;
  children: SampledNode[];
}

const SAMPLING_INTERVAL = 4096;

export async function allocatedBytes(work: () => Promise<void>): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
    await work();
    const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: { head: SampledNode } };
    return total(profile.head);
  } finally {
    session.disconnect();
  }
}

function total(node: SampledNode): number {
  return node.selfSize + node.children.reduce((sum, child) => sum + total(child), 0);
}
