/**
 * Malformed rows planted on purpose, so that the demo shows ingest's quarantine at work and a
 * test can hold it to an exact count.
 *
 * Each planted row is an extra row (never a spoiled real one: events pointing at a spoiled
 * product would be rejected too, and the count would no longer be exact) with exactly one
 * defect, inserted at a random position. Row numbers are 1-based, header excluded, as ingest
 * numbers the rows it quarantines.
 */
import type { Rng } from "./rng.js";

/** A row as written: column -> cell. Absent columns are left out (JSON) or empty (CSV). */
export type Row = Record<string, string | number>;

/**
 * Stands for bytes that are not UTF-8 at all. The writer swaps it for 0xFF 0xFE, which no
 * UTF-8 sequence contains; a private-use character passes JSON and CSV quoting untouched.
 */
export const UNDECODABLE = "\uE000";
export const UNDECODABLE_BYTES: readonly number[] = [0xff, 0xfe];

export const PRODUCT_DEFECTS = ["bad_price", "missing_title", "invalid_enum", "undecodable_bytes"] as const;
export const EVENT_DEFECTS = [
  "bad_price",
  "unknown_product",
  "future_timestamp",
  "invalid_enum",
  "undecodable_bytes",
] as const;
export const JUDGEMENT_DEFECTS = [
  "bad_relevance",
  "unknown_product",
  "missing_query",
  "undecodable_bytes",
] as const;

/** Values no valid row has: read by the tests that check the planted rows independently. */
export const BAD_VALUES = {
  prices: ["abc", "-12.50"],
  relevances: ["high", "-1"],
  currency: "dollars",
  eventType: "teleport",
  farFutureYear: 2999,
} as const;

/** Makes the k-th bad row of one defect. */
export type Maker = (rng: Rng, k: number) => Row;

export type Planted = {
  /** Good and planted rows in file order. */
  readonly rows: Row[];
  /** Row numbers of the planted rows, per defect. */
  readonly planted: Record<string, number[]>;
};

/** Inserts `perKind` rows of each defect at random positions among `good` rows. */
export function plant(
  rng: Rng,
  good: readonly Row[],
  makers: Record<string, Maker>,
  perKind: number,
): Planted {
  const bad: [string, Row][] = [];
  for (const [defect, make] of Object.entries(makers))
    for (let k = 0; k < perKind; k++) bad.push([defect, make(rng, k)]);
  const total = good.length + bad.length;
  const positions = rng
    .sample(
      Array.from({ length: total }, (_, i) => i),
      bad.length,
    )
    .sort((a, b) => a - b);
  const order = rng.shuffled(bad);
  const rows: Row[] = [];
  const planted: Record<string, number[]> = Object.fromEntries(Object.keys(makers).map((d) => [d, []]));
  let g = 0;
  let b = 0;
  for (let i = 0; i < total; i++) {
    if (b < positions.length && positions[b] === i) {
      const [defect, row] = order[b++]!;
      planted[defect]!.push(i + 1);
      rows.push(row);
    } else rows.push(good[g++]!);
  }
  return { rows, planted };
}

/** The same instant in the far future (29 February falls back to the 28th: 2999 is no leap year). */
export function farFuture(iso: string): string {
  return `${BAD_VALUES.farFutureYear}${iso.slice(4)}`.replace(/-02-29T/, "-02-28T");
}

/** Alternates between the bad values of a list. */
export function nth<T>(values: readonly T[], k: number): T {
  return values[k % values.length]!;
}
