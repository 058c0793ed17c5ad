import { z } from "zod";
import { builtinNodes, Catalog } from "../../engine/index.ts";
import { defineNode } from "../../engine/nodes/index.ts";
import type { Json } from "../../engine/model/index.ts";

/**
 * Node types that exist only in tests: they make "is this step still running", "how often did
 * this node execute" and "one message becomes several" observable without timing tricks.
 */
export function testNodes() {
  const executions = new Map<string, number>();
  const gates = new Map<string, { opened: Promise<void>; open: () => void; entered: Promise<void>; enter: () => void }>();
  const gate = (name: string) => {
    let entry = gates.get(name);
    if (!entry) {
      let open!: () => void;
      let enter!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      const entered = new Promise<void>((resolve) => (enter = resolve));
      entry = { opened, open, entered, enter };
      gates.set(name, entry);
    }
    return entry;
  };

  const countNode = defineNode({
    type: "test-count",
    category: "logic",
    title: "Count",
    description: "Counts its executions and passes the message on.",
    icon: "hash",
    // Counting is observable outside the run: it must come after a durability barrier, like a call would.
    sideEffects: true,
    outputs: ["out"],
    config: z.object({ name: z.string().default("count") }),
    run(_ctx, msg, config) {
      executions.set(config.name, (executions.get(config.name) ?? 0) + 1);
      return { out: [msg] };
    },
  });
  const gateNode = defineNode({
    type: "test-gate",
    category: "logic",
    title: "Gate",
    description: "Holds the message until the test opens the gate.",
    icon: "pause",
    outputs: ["out"],
    config: z.object({ name: z.string().default("gate") }),
    async run(_ctx, msg, config) {
      const g = gate(config.name);
      g.enter();
      await g.opened;
      return { out: [msg] };
    },
  });
  const fanoutNode = defineNode({
    type: "test-fanout",
    category: "logic",
    title: "Fan out",
    description: "Emits `n` copies of the message, each with its index.",
    icon: "split",
    outputs: ["out"],
    config: z.object({ n: z.number().int().min(0).default(3) }),
    run(_ctx, msg, config) {
      const base = msg !== null && typeof msg === "object" && !Array.isArray(msg) ? msg : { value: msg };
      return { out: Array.from({ length: config.n }, (_, i) => ({ ...base, i }) as Json) };
    },
  });

  return {
    catalog: new Catalog([...builtinNodes, countNode, gateNode, fanoutNode]),
    executions: (name = "count") => executions.get(name) ?? 0,
    /** Resolves once a message reached the gate. */
    entered: (name = "gate") => gate(name).entered,
    open: (name = "gate") => gate(name).open(),
  };
}
