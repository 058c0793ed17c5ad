import { evaluateExpression, StepFailure } from "../expr/index.ts";
import { durationMs } from "../model/duration.ts";
import { resolveSettings, type FlowDocument, type FlowNode, type Json } from "../model/index.ts";
import { failureForStatus, sendHttp } from "../nodes/http-client.ts";
import { asItems } from "../nodes/items.ts";
import { pollConfig, type PollConfig } from "../nodes/poll.ts";
import { TickLoop } from "./tick-loop.ts";
import type { TriggerDeps } from "./trigger-manager.ts";
import { isoTime } from "../iso-time.ts";

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * A poll node's loop. Slots are `interval` apart (aligned to the epoch); a newly armed poll
 * fetches at once unless its current slot already fired. Each item of the response becomes
 * its own run, so "poll → dedupe by id → log" sees one item per run and a failing item's run
 * releases only its own dedupe key. A fetch that fails is logged and waits for the next slot.
 */
export function pollTrigger(deps: TriggerDeps, flow: FlowDocument, node: FlowNode): TickLoop | undefined {
  const parsed = pollConfig.safeParse(node.config);
  if (!parsed.success) {
    deps.logger.log("warn", `poll ${node.id} of flow ${flow.id} has an invalid config; not armed`);
    return undefined;
  }
  const config = parsed.data;
  const interval = durationMs(config.interval);
  const timeoutMs = durationMs(resolveSettings(node.settings).timeout);
  const name = `poll ${node.id} of flow ${flow.id}`;
  return new TickLoop({
    name,
    clock: deps.clock,
    logger: deps.logger,
    source: {
      latestAtOrBefore: (now) => Math.floor(now / interval) * interval,
      nextAfter: (now) => (Math.floor(now / interval) + 1) * interval,
    },
    baseline: async () => (await deps.store.lastTriggerTick(flow.id, node.id)) ?? -Infinity,
    fire: async (tick, signal) => {
      let items: Json[];
      try {
        items = await fetchItems(deps, flow, config, timeoutMs, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        deps.logger.log("warn", `${name}: ${(err as Error).message}; next try at the next interval`, { flowId: flow.id, nodeId: node.id });
        return;
      }
      if (items.length > config.maxItems) {
        deps.logger.log("warn", `${name}: ${items.length} items, only the first ${config.maxItems} start runs`, { flowId: flow.id });
        items = items.slice(0, config.maxItems);
      }
      await deps.runs.fire(flow, node.id, tick, items);
    },
  });
}

async function fetchItems(deps: TriggerDeps, flow: FlowDocument, config: PollConfig, timeoutMs: number, stop: AbortSignal): Promise<Json[]> {
  const timer = new AbortController();
  const timeout = new AbortController();
  deps.clock.sleep(timeoutMs, timer.signal).then(
    () => timeout.abort(new StepFailure("TIMEOUT", `no answer within ${timeoutMs} ms`)),
    () => undefined,
  );
  const signal = AbortSignal.any([stop, timeout.signal]);
  try {
    const request = { method: "GET", url: config.url, headers: config.headers } as const;
    const result = await sendHttp(
      deps.fetch,
      { ...request, maxRedirects: 5, maxResponseBytes: MAX_RESPONSE_BYTES, responseFormat: "auto" },
      signal,
    );
    const failure = failureForStatus(result, request, deps.clock.now());
    if (failure) throw failure;
    if (config.items.trim() === "") return asItems(result.body);
    const bindings = {
      flow: { id: flow.id, name: flow.name, version: flow.version },
      now: () => isoTime(deps.clock.now()),
    };
    return asItems(await evaluateExpression(config.items, result.body, bindings));
  } finally {
    timer.abort();
  }
}
