/**
 * A source batch checked against the contract: the canonical values of the rows that pass, and
 * a quarantine entry (with the raw row) for every record that does not.
 */
import {
  type CanonicalValues,
  extrasAsAttributes,
  RowChecker,
  RowIssue,
  type Rules,
  type TableContract,
} from "../contracts/index.js";
import { type ColumnPlan, planColumns } from "./mapping.js";
import { rawJson, type SourceBatch } from "./source.js";
import type { QuarantineEntry } from "./writers/types.js";

export type CheckedBatch = {
  /** Canonical values of each passing row. */
  values: CanonicalValues[];
  /** Index of each passing row in the source batch (for its raw values and number). */
  index: number[];
  quarantine: QuarantineEntry[];
};

/** Checks batches of one file; re-plans the columns when a later batch brings new ones. */
export class BatchChecker {
  private plan: ColumnPlan;
  private readonly checker: RowChecker;

  constructor(
    private readonly contract: TableContract,
    rules: Rules,
    columns: readonly string[],
    private readonly explicit: Readonly<Record<string, string>>,
  ) {
    this.plan = planColumns(contract, columns, explicit);
    this.checker = new RowChecker(contract, rules);
  }

  /** Canonical field -> source column, as last planned. */
  get mapping(): Readonly<Record<string, string>> {
    return this.plan.mapping;
  }

  /** Source columns that feed no field. */
  get extraNames(): readonly string[] {
    return this.plan.extraNames;
  }

  check(batch: SourceBatch): CheckedBatch {
    if (batch.columns.length !== this.plan.columnCount) {
      // JSON Lines: keys first seen in this batch may feed fields nothing fed so far.
      const next = planColumns(this.contract, batch.columns, this.explicit, true);
      const kept = this.plan.fieldColumns;
      this.plan = { ...next, fieldColumns: next.fieldColumns.map((c, i) => (kept[i]! >= 0 ? kept[i]! : c)) };
    }
    const { fieldColumns, extraColumns, extraNames } = this.plan;
    const foldExtras = this.contract.extras === "attributes" && extraColumns.length > 0;
    const nFields = fieldColumns.length;
    const values: CanonicalValues[] = [];
    const index: number[] = [];
    const quarantine: QuarantineEntry[] = [];
    for (const r of batch.rejected)
      quarantine.push({ rowNumber: r.row, raw: r.raw, field: r.field, check: r.check, reason: r.reason });
    const raw: unknown[] = new Array(nFields);
    const extraValues: unknown[] = foldExtras ? new Array(extraColumns.length) : [];
    for (let i = 0; i < batch.rows.length; i++) {
      const row = batch.rows[i]!;
      for (let f = 0; f < nFields; f++) {
        const c = fieldColumns[f]!;
        raw[f] = c >= 0 ? row[c] : undefined;
      }
      let extras = null;
      if (foldExtras) {
        for (let e = 0; e < extraColumns.length; e++) extraValues[e] = row[extraColumns[e]!];
        extras = extrasAsAttributes(extraNames, extraValues);
      }
      const result = this.checker.check(raw, extras);
      if (result instanceof RowIssue) {
        quarantine.push({
          rowNumber: batch.numbers[i]!,
          raw: rawJson(batch.columns, row),
          field: result.field,
          check: result.check,
          reason: result.reason,
        });
      } else {
        values.push(result);
        index.push(i);
      }
    }
    return { values, index, quarantine };
  }
}
