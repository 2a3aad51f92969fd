/**
 * The features the Python trainers can make, with the params each accepts. A retrain is checked
 * here before anything is queued, and the version records the params with defaults filled in;
 * the trainer (jobs/trainers/src/shopmind/trainers/) checks them again on its side.
 */
import { z } from "zod";
import { InputError } from "../src/errors.js";

const EVENT_TYPES = ["view", "click", "add_to_cart", "purchase", "search"] as const;

const ItemPopularityParams = z.strictObject({
  /** Days after which an event counts half. */
  half_life_days: z.number().gt(0).max(3650).default(14),
  /** Products kept in the table, best first. */
  top_k: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Weight per event type, over the defaults (view 1, click 1.5, add_to_cart 3, purchase 5, search 0). */
  weights: z.partialRecord(z.enum(EVENT_TYPES), z.number().min(0).max(1000)).default({}),
});

/** Params schema per trainable feature. */
export const TRAINERS = {
  item_popularity: ItemPopularityParams,
} as const;

export type TrainableFeature = keyof typeof TRAINERS;

/** Whether `feature` names a feature a trainer can make. */
export function isTrainable(feature: string): feature is TrainableFeature {
  return Object.hasOwn(TRAINERS, feature);
}

/**
 * The params of a retrain with defaults filled in; InputError naming `feature` or the offending
 * `params.<key>` otherwise.
 */
export function checkTrainParams(feature: string, params: unknown): Record<string, unknown> {
  if (!isTrainable(feature))
    throw new InputError(
      "feature",
      `no trainer makes ${JSON.stringify(feature)}; known: ${Object.keys(TRAINERS).join(", ")}`,
    );
  const parsed = TRAINERS[feature].safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(["params", ...issue.path.map(String)].join("."), issue.message);
  }
  return parsed.data as Record<string, unknown>;
}
