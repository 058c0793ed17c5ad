import type { CatalogView } from "../model/index.ts";
import type { NodeDefinition } from "./contract.ts";
import { webhookNode } from "./webhook.ts";
import { manualNode } from "./manual.ts";
import { filterNode } from "./filter.ts";
import { transformNode } from "./transform.ts";
import { respondNode } from "./respond.ts";
import { logNode } from "./log.ts";
import { scheduleNode } from "./schedule.ts";
import { pollNode } from "./poll.ts";
import { switchNode } from "./switch.ts";
import { splitNode } from "./split.ts";
import { delayNode } from "./delay.ts";
import { httpNode } from "./http.ts";
import { codeNode } from "./code.ts";
import { dedupeNode } from "./dedupe.ts";

/** The one registration list: adding a node type is one file plus one line here. */
export const builtinNodes: NodeDefinition<unknown>[] = [
  webhookNode,
  manualNode,
  scheduleNode,
  pollNode,
  filterNode,
  switchNode,
  transformNode,
  codeNode,
  splitNode,
  delayNode,
  httpNode,
  respondNode,
  logNode,
  dedupeNode,
];

export class Catalog {
  private readonly byType = new Map<string, NodeDefinition<unknown>>();

  constructor(definitions: readonly NodeDefinition<unknown>[] = builtinNodes) {
    for (const def of definitions) {
      if (this.byType.has(def.type)) throw new Error(`node type ${def.type} registered twice`);
      this.byType.set(def.type, def);
    }
  }

  get(type: string): NodeDefinition<unknown> | undefined {
    return this.byType.get(type);
  }

  all(): NodeDefinition<unknown>[] {
    return [...this.byType.values()];
  }

  readonly view: CatalogView = (type) => this.byType.get(type);
}

export * from "./contract.ts";
