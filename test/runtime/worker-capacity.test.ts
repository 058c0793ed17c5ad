import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../engine/index.ts";
import type { FinishRun } from "../../engine/store/types.ts";
import { engineHarness } from "../helpers/engine-harness.ts";
import { flow } from "../helpers/flows.ts";
import { probeCatalog } from "../helpers/probe-node.ts";
import { tempDir } from "../helpers/temp-store.ts";
import { cleanupsAfterEach } from "../helpers/cleanups.ts";

/** A store whose final writes wait until the test lets them through: runs stay "finishing". */
class HeldFinishStore extends SqliteStore {
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  held = 0;

  override async finishRun(finish: FinishRun): Promise<void> {
    this.held++;
    await this.gate;
    return super.finishRun(finish);
  }

  letThrough(): void {
    this.release();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe("worker capacity", () => {
  const cleanups = cleanupsAfterEach();

  it("lets runs whose final write is committing give up their slot, but no more of them than the concurrency", async () => {
    const temp = tempDir();
    cleanups.push(() => temp.remove());
    const store = new HeldFinishStore({ filename: `${temp.dir}/runnel.db`, synchronous: "normal" });
    cleanups.push(() => store.close());
    const probes = probeCatalog();
    const h = await engineHarness({ store, catalog: probes.catalog, engine: { worker: { pollMs: 20, leaseMs: 5_000, concurrency: 2 }, retention: false } });
    cleanups.push(() => h.close());

    const saved = await h.engine.flows.create(flow("Effects", [{ id: "m", type: "manual" }, { id: "p", type: "probe" }], ["m->p"]));
    const runIds: string[] = [];
    for (let i = 0; i < 10; i++) runIds.push((await h.engine.runs.start({ flow: saved, triggerNodeId: "m", message: { i } })).runId);
    await settle();

    // Each of these runs has made its call and waits for its final write: a crash now would
    // repeat their calls. Two execute at a time, and two more may wait on their final write.
    expect(probes.ran("p")).toHaveLength(4);
    expect(store.held).toBe(4);

    store.letThrough();
    for (const runId of runIds) expect((await h.finished(runId)).status).toBe("succeeded");
    expect(probes.ran("p")).toHaveLength(10);
  });
});
