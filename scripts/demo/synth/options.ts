/**
 * The knobs of a synthetic shop, validated once so that every generator can trust them.
 */
import { z } from "zod";
import { InputError } from "../../../src/errors.js";

const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const ShopOptionsSchema = z
  .object({
    seed: count(0, 2 ** 31 - 1).default(0),
    /** Products in the catalog (planted bad rows come on top). */
    products: count(20, 2_000_000).default(2000),
    users: count(1, 1_000_000).default(500),
    /** Events wanted; the last session may overshoot by a few. Default: 60 per user. */
    events: count(1, 50_000_000).optional(),
    /** Distinct search queries with judgements. Default: one per ten products. */
    queries: count(0, 100_000).optional(),
    /** Share of products (and users) in Chinese. */
    zhFraction: z.number().min(0).max(1).default(0.3),
    /**
     * First day of the event window (UTC). A fixed date rather than "now", so that one seed
     * always gives the same files; it lies in the past, as ingest requires.
     */
    start: z.iso.date().default("2026-01-01"),
    days: count(1, 3650).default(90),
    /** Malformed rows planted per kind of defect in each file. */
    defectsPerKind: count(0, 1000).default(2),
  })
  .strict();

export type ShopOptionsInput = z.input<typeof ShopOptionsSchema>;

/** Validated options with every default filled in. */
export type ShopOptions = Required<z.output<typeof ShopOptionsSchema>>;

/** Validates options and fills in the defaults that depend on other options. */
export function shopOptions(input: ShopOptionsInput = {}): ShopOptions {
  const parsed = ShopOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.path.map(String).join(".") || "options", issue.message);
  }
  const o = parsed.data;
  const queries = o.queries ?? Math.max(5, Math.round(o.products / 10));
  // Queries are drawn from distinct product attributes; a tiny catalog runs out of them.
  if (queries > o.products * 2)
    throw new InputError("queries", `at most twice the products (${o.products * 2}), got ${queries}`);
  return { ...o, events: o.events ?? o.users * 60, queries };
}

/** Milliseconds since the epoch of the window's first instant. */
export function windowStartMs(options: Pick<ShopOptions, "start">): number {
  return Date.parse(`${options.start}T00:00:00Z`);
}
