import { z } from "zod";
import type { Json } from "../model/index.ts";

/** How many items one message or response may fan out into. */
export function maxItemsField(description: string) {
  return z.number().int().min(1).max(10_000).default(1_000).meta({ description });
}

/**
 * The items of an expression result: an array gives its elements, a lone value is one item
 * (JSONata yields a single match as a value, not a one-element array), nothing is none.
 */
export function asItems(value: unknown): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as Json[]) : [value as Json];
}
