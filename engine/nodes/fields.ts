import { z } from "zod";
import { checkExpressionSyntax, parseTemplate } from "../expr/index.ts";
import { isDuration } from "../model/index.ts";

/** A JSONata expression field: checked for syntax on save, rendered as an expression editor. */
export function expressionField(description: string) {
  return z
    .string()
    .max(100_000)
    .superRefine((text, ctx) => {
      const problem = text.trim() === "" ? undefined : checkExpressionSyntax(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({ format: "jsonata", description });
}

/** A text field that may hold `{{ expression }}` parts. */
export function templateField(description: string) {
  return z
    .string()
    .max(100_000)
    .superRefine((text, ctx) => {
      try {
        parseTemplate(text);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    })
    .meta({ format: "template", description });
}

export function durationField(description: string) {
  return z
    .string()
    .refine(isDuration, { message: "expected a duration like 500ms, 30s, 10m, 24h or 30d" })
    .meta({ format: "duration", description });
}
