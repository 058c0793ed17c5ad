import type { FlowDocument, FlowNode } from "../model/index.ts";
import { cronOf, scheduleConfig } from "../nodes/schedule.ts";
import { TickLoop } from "./tick-loop.ts";
import type { TriggerDeps } from "./trigger-manager.ts";
import { isoTime } from "../iso-time.ts";

/**
 * A schedule node's loop: fires `{ firedAt, scheduledFor }` on each cron tick. Ticks before the
 * flow version was saved never fire, so activating a flow does not replay its past; after
 * downtime the latest missed tick fires once (TickLoop's misfire policy).
 */
export function scheduleTrigger(deps: TriggerDeps, flow: FlowDocument, node: FlowNode): TickLoop | undefined {
  const parsed = scheduleConfig.safeParse(node.config);
  if (!parsed.success) {
    deps.logger.log("warn", `schedule ${node.id} of flow ${flow.id} has an invalid config; not armed`);
    return undefined;
  }
  const cron = cronOf(parsed.data);
  const savedAt = flow.updatedAt ? Date.parse(flow.updatedAt) : deps.clock.now();
  return new TickLoop({
    name: `schedule ${node.id} of flow ${flow.id}`,
    clock: deps.clock,
    logger: deps.logger,
    source: {
      // previousRuns is exclusive of its reference; +1 ms makes a tick exactly at `now` count.
      latestAtOrBefore: (now) => cron.previousRuns(1, new Date(now + 1))[0]?.getTime(),
      nextAfter: (now) => cron.nextRun(new Date(now))?.getTime(),
    },
    baseline: async () => Math.max((await deps.store.lastTriggerTick(flow.id, node.id)) ?? -Infinity, savedAt),
    fire: async (tick) => {
      const message = { firedAt: isoTime(deps.clock.now()), scheduledFor: isoTime(tick) };
      await deps.runs.fire(flow, node.id, tick, [message]);
    },
  });
}
