/**
 * S3-Rec sequence files (`Beauty.txt`): one line per user, `user item item ...`, integer ids, items
 * in time order, no times. Each item becomes an event at `2000-01-01T00:00:00Z + position`
 * seconds, so a user's order survives any sort by time (the clock means nothing). Every event of
 * a line carries the line's number.
 */
import { BatchBuilder, type ReadOptions, type Source, type SourceBatch } from "../../src/ingest/index.js";
import { isInt, SYNTHETIC_EPOCH, TextLines } from "./common.js";
import { EVENT_COLUMNS } from "./seqrec.js";

export async function openSequences(
  file: string,
  options: ReadOptions,
  format: string,
  eventType = "purchase",
): Promise<Source> {
  const lines = new TextLines(file, options, "utf8");
  const out = new BatchBuilder();
  const it = lines.lines(out);
  // The first line decides whether this is a sequence file at all (a header or a TSV is not).
  const first = await it.next();
  if (first.done) throw lines.fail("the file is empty");
  const head = first.value[1] ?? "";
  if (head.includes("\t") || !head.trim().split(/\s+/).every(isInt))
    throw lines.fail(
      `the first line is not 'user item item ...' integers separated by spaces (a header or a TSV?): ${JSON.stringify(head.slice(0, 80))}`,
    );
  async function* batches(): AsyncGenerator<SourceBatch> {
    const pending: Array<[number, string | null]> = [first.value as [number, string | null]];
    const all = (async function* () {
      yield* pending;
      yield* it;
    })();
    for await (const [number, text] of all) {
      if (out.size >= options.chunkRows) yield out.flush(EVENT_COLUMNS);
      if (text === null || text.trim() === "") continue;
      const parts = text.trim().split(/\s+/);
      const raw = JSON.stringify(text);
      const bad = parts.findIndex((p) => !isInt(p));
      if (parts.length < 2) {
        out.reject(
          number,
          raw,
          "_record",
          "bad_record",
          `expected 'user item [item ...]', found ${parts.length} field(s)`,
        );
      } else if (bad >= 0) {
        const field = bad === 0 ? "user_id" : "item_id";
        out.reject(
          number,
          raw,
          field,
          "bad_format",
          `${field}: not an integer id at position ${bad}: ${JSON.stringify(parts[bad])}`,
        );
      } else {
        const user = parts[0]!;
        for (let k = 1; k < parts.length; k++) {
          out.rows.push([user, parts[k]!, eventType, String(SYNTHETIC_EPOCH + k - 1)]);
          out.numbers.push(number);
        }
      }
    }
    if (out.size) yield out.flush(EVENT_COLUMNS);
  }
  return { format, columns: EVENT_COLUMNS, batches: batches(), close: async () => lines.close() };
}
