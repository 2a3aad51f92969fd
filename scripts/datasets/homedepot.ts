/**
 * Home Depot search relevance CSVs (Kaggle 2016), ISO-8859-1 unless --encoding says otherwise:
 * `products.csv` (product_uid, product_title) -> products; `train_dev.csv` (id, product_uid,
 * product_title, search_term, relevance) -> judgements (the mean human rating, 1 to 3), or the
 * distinct products it judges (the first record of each; later ones are not rows).
 */
import type { Kind } from "../../src/contracts/index.js";
import { SourceError } from "../../src/errors.js";
import { openDelimited, type ReadOptions, type Source, type SourceBatch } from "../../src/ingest/index.js";

const WANTED: Record<"products" | "judgements", Array<[string, string]>> = {
  products: [
    ["product_uid", "item_id"],
    ["product_title", "title"],
  ],
  judgements: [
    ["search_term", "query"],
    ["product_uid", "item_id"],
    ["relevance", "relevance"],
  ],
};

export async function openHomeDepot(
  file: string,
  options: ReadOptions,
  format: string,
  kind: Kind,
): Promise<Source> {
  if (kind === "events") throw new SourceError(`format ${format} holds no events`, "kind");
  const csv = await openDelimited(
    file,
    { ...options, encoding: options.encoding ?? "latin1" },
    ",",
    format,
    false,
  );
  const wanted = WANTED[kind];
  const at = wanted.map(([name]) => csv.columns.indexOf(name));
  const missing = wanted.filter((_, i) => at[i]! < 0).map(([name]) => name);
  if (missing.length) {
    await csv.close();
    throw new SourceError(
      `${file}: not a Home Depot ${kind} file: no column(s) ${missing.join(", ")} (columns: ${csv.columns.join(", ")})`,
      "file",
    );
  }
  const columns = wanted.map(([, field]) => field);
  // Only a judgements file repeats products; a repeat in products.csv is left to the duplicate rule.
  const firstOnly = kind === "products" && csv.columns.includes("search_term");
  const seen = new Set<string>();
  async function* batches(): AsyncGenerator<SourceBatch> {
    for await (const batch of csv.batches) {
      const rows: unknown[][] = [];
      const numbers: number[] = [];
      batch.rows.forEach((row, i) => {
        if (firstOnly) {
          const id = String(row[at[0]!]);
          if (seen.has(id)) return;
          seen.add(id);
        }
        rows.push(at.map((c) => row[c]));
        numbers.push(batch.numbers[i]!);
      });
      yield { columns, rows, numbers, rejected: batch.rejected };
    }
  }
  return { format, columns, batches: batches(), close: () => csv.close() };
}
