/**
 * Which source column feeds each canonical field. For each field, in order: an explicit
 * `--map SRC=FIELD`, a column named like the field, then the field's aliases in the order the
 * contract lists them. Names are compared after `normaliseColumnName` ("Product ID" matches
 * product_id). A column feeds one field at most.
 */
import { normaliseColumnName, type TableContract } from "../contracts/index.js";
import { SourceError } from "../errors.js";

export type ColumnPlan = {
  /** For each contract field, the index of its source column, or -1. */
  readonly fieldColumns: readonly number[];
  /** Source columns feeding no field (products fold them into attributes). */
  readonly extraColumns: readonly number[];
  readonly extraNames: readonly string[];
  /** Canonical field -> source column name. */
  readonly mapping: Readonly<Record<string, string>>;
  readonly columnCount: number;
};

/**
 * Checks `--map` pairs (source column -> field) against the contract; SourceError names a pair
 * whose field is unknown or two pairs naming the same field.
 */
export function checkExplicitMap(contract: TableContract, explicit: Readonly<Record<string, string>>): void {
  const fields = new Set(contract.fields.map((f) => f.name));
  const seen = new Map<string, string>();
  for (const [src, field] of Object.entries(explicit)) {
    if (!src.trim() || !field.trim())
      throw new SourceError(`--map ${src}=${field}: expected SRC=FIELD`, "map");
    if (!fields.has(field))
      throw new SourceError(
        `--map ${src}=${field}: ${JSON.stringify(field)} is not a field of ${contract.kind} (fields: ${[...fields].join(", ")})`,
        "map",
      );
    const other = seen.get(field);
    if (other !== undefined)
      throw new SourceError(`--map maps both ${other} and ${src} onto ${field}`, "map");
    seen.set(field, src);
  }
}

/**
 * The plan for `columns`. Throws SourceError naming the required fields no column feeds (and
 * the file's columns), or an explicit source column the file lacks; with `partial` (later
 * batches of JSON Lines) neither is an error.
 */
export function planColumns(
  contract: TableContract,
  columns: readonly string[],
  explicit: Readonly<Record<string, string>> = {},
  partial = false,
): ColumnPlan {
  checkExplicitMap(contract, explicit);
  const byNorm = new Map<string, number>();
  columns.forEach((c, i) => {
    const k = normaliseColumnName(c);
    if (!byNorm.has(k)) byNorm.set(k, i);
  });
  const fieldColumns = contract.fields.map(() => -1);
  const used = new Set<number>();
  const index = new Map(contract.fields.map((f, i) => [f.name, i]));
  for (const [src, field] of Object.entries(explicit)) {
    const at = columns.indexOf(src);
    if (at < 0) {
      if (partial) continue;
      throw new SourceError(
        `--map ${src}=${field}: the file has no column ${JSON.stringify(src)} (columns: ${columns.join(", ")})`,
        "map",
      );
    }
    fieldColumns[index.get(field)!] = at;
    used.add(at);
  }
  contract.fields.forEach((spec, i) => {
    if (fieldColumns[i]! >= 0) return;
    for (const candidate of [spec.name, ...spec.aliases]) {
      const at = byNorm.get(normaliseColumnName(candidate));
      if (at !== undefined && !used.has(at)) {
        fieldColumns[i] = at;
        used.add(at);
        return;
      }
    }
  });
  const missing = contract.fields.filter((f, i) => f.required && fieldColumns[i] === -1).map((f) => f.name);
  if (missing.length && !partial) {
    throw new SourceError(
      `${contract.kind}: required column(s) ${missing.join(", ")} not found; the file has columns ${
        columns.join(", ") || "(none)"
      }. Use --map SRC=FIELD to name them.`,
      missing[0],
    );
  }
  const extraColumns = columns.map((_, i) => i).filter((i) => !used.has(i));
  const mapping: Record<string, string> = {};
  contract.fields.forEach((f, i) => {
    if (fieldColumns[i]! >= 0) mapping[f.name] = columns[fieldColumns[i]!]!;
  });
  return {
    fieldColumns,
    extraColumns,
    extraNames: extraColumns.map((i) => columns[i]!),
    mapping,
    columnCount: columns.length,
  };
}
