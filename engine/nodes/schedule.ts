import { Cron } from "croner";
import { z } from "zod";
import { defineNode } from "./contract.ts";

export const scheduleConfig = z
  .object({
    cron: z
      .string()
      .trim()
      .min(1, "a schedule needs a cron expression")
      .max(200)
      .meta({ format: "cron", description: "minute hour day-of-month month day-of-week (an optional leading seconds field), e.g. 0 9 * * 1-5" }),
    timezone: z
      .string()
      .trim()
      .default("UTC")
      .refine(isTimeZone, { message: "unknown time zone; use an IANA name like Europe/Berlin or UTC" })
      .meta({ format: "timezone", description: "IANA time zone the cron expression is read in" }),
  })
  .superRefine((config, ctx) => {
    const timezone = isTimeZone(config.timezone) ? config.timezone : "UTC";
    try {
      if (cronOf({ ...config, timezone }).nextRun() === null) ctx.addIssue({ code: "custom", path: ["cron"], message: "this cron expression never fires" });
    } catch (err) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: (err as Error).message.replace(/^CronPattern: /, "") });
    }
  });

export type ScheduleConfig = z.output<typeof scheduleConfig>;

/** A croner schedule that only computes times (it never runs a callback or a timer of its own). */
export function cronOf(config: ScheduleConfig): Cron {
  return new Cron(config.cron, { timezone: config.timezone, paused: true });
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const scheduleNode = defineNode({
  type: "schedule",
  category: "trigger",
  title: "Schedule",
  description: "Starts a run on a cron schedule with `{ firedAt, scheduledFor }`; each tick fires once, even across restarts.",
  icon: "clock",
  keywords: ["cron", "timer", "every", "daily", "hourly", "interval", "time"],
  outputs: ["out"],
  config: scheduleConfig,
  trigger: { kind: "schedule" },
  run: (_ctx, msg) => ({ out: [msg] }),
});
