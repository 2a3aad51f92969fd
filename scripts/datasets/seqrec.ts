/**
 * SeqRecBenchmark TSVs (`interactions.tsv[.gz]`: user_id, item_id, timestamp; `items.tsv[.gz]`:
 * item_id, title) and the item tables of S3-Rec (`*_item_titles.tsv`) and RecBole (`ml-100k.item`,
 * typed headers). Columns are found by name, so their order does not matter.
 */
import path from "node:path";
import { BatchBuilder, type ReadOptions, type Source, type SourceBatch } from "../../src/ingest/index.js";
import { columnOf, isInt, TextLines, tsvHeader } from "./common.js";

export const EVENT_COLUMNS = ["user_id", "item_id", "event_type", "timestamp"] as const;

/**
 * The event type a SeqRecBenchmark file stands for, judged by its folder and name: Amazon
 * reviews and YooChoose buys are purchases; YooChoose clicks and MovieLens ratings are views.
 */
export function seqrecEventType(file: string): string {
  const name = `${path.basename(path.dirname(file))}/${path.basename(file)}`.toLowerCase();
  return name.includes("click") || name.includes("movielens") || name.includes("ml-") ? "view" : "purchase";
}

/** Epoch text as an integer string ("881250949.0" -> "881250949"), or null. */
function epochText(s: string): string | null {
  if (isInt(s)) return s;
  const v = Number(s);
  return Number.isInteger(v) && v >= 0 && s.trim() !== "" ? String(v) : null;
}

/** Reads the first (header) line of `lines`; the iterator goes on with the data lines. */
async function header(
  lines: TextLines,
  it: AsyncGenerator<[number, string | null]>,
  out: BatchBuilder,
): Promise<string[]> {
  const first = await it.next();
  if (first.done) throw lines.fail("the file is empty, expected a header line");
  if (first.value[1] === null) throw lines.fail("the header line is unreadable");
  out.rejected.length = 0;
  return tsvHeader(first.value[1]);
}

/** Interactions -> events: integer ids, epoch times passed on (seconds or milliseconds). */
export async function openInteractions(
  file: string,
  options: ReadOptions,
  format: string,
  eventType?: string,
): Promise<Source> {
  const lines = new TextLines(file, options, "utf8");
  const out = new BatchBuilder();
  const it = lines.lines(out);
  const names = await header(lines, it, out);
  const at = [
    columnOf(lines, names, ["user_id"]),
    columnOf(lines, names, ["item_id"]),
    columnOf(lines, names, ["timestamp"]),
  ] as const;
  const type = eventType ?? seqrecEventType(file);
  const width = names.length;
  async function* batches(): AsyncGenerator<SourceBatch> {
    for await (const [n, text] of it) {
      if (out.size >= options.chunkRows) yield out.flush(EVENT_COLUMNS);
      if (text === null || text === "") continue;
      const number = n - 1;
      const parts = text.split("\t");
      const raw = JSON.stringify(text);
      if (parts.length !== width) {
        out.reject(
          number,
          raw,
          "_record",
          "bad_record",
          `expected ${width} tab-separated fields, found ${parts.length}`,
        );
        continue;
      }
      const user = parts[at[0]]!.trim();
      const item = parts[at[1]]!.trim();
      const time = epochText(parts[at[2]]!.trim());
      if (!isInt(user))
        out.reject(
          number,
          raw,
          "user_id",
          "bad_format",
          `user_id: not an integer id: ${JSON.stringify(user)}`,
        );
      else if (!isInt(item))
        out.reject(
          number,
          raw,
          "item_id",
          "bad_format",
          `item_id: not an integer id: ${JSON.stringify(item)}`,
        );
      else if (time === null)
        out.reject(
          number,
          raw,
          "timestamp",
          "bad_timestamp",
          `timestamp: not an epoch time: ${JSON.stringify(parts[at[2]])}`,
        );
      else {
        out.rows.push([user, item, type, time]);
        out.numbers.push(number);
      }
    }
    if (out.size) yield out.flush(EVENT_COLUMNS);
  }
  return { format, columns: EVENT_COLUMNS, batches: batches(), close: async () => lines.close() };
}

/**
 * Item tables -> products: `item_id` (or `s3rec_item_id`), a title (`title`, `movie_title` or
 * UniSRec's `text`), an optional genre list (`class`/`genre`/`genres`: the first genre becomes the
 * category, the list an attribute), and every other column as an attribute.
 */
export async function openItems(
  file: string,
  options: ReadOptions,
  format: string,
  intIds = true,
): Promise<Source> {
  const lines = new TextLines(file, options, "utf8");
  const out = new BatchBuilder();
  const it = lines.lines(out);
  const names = await header(lines, it, out);
  const idAt = columnOf(lines, names, ["item_id", "s3rec_item_id"]);
  const titleAt = columnOf(lines, names, ["title", "movie_title", "text"]);
  const genresAt = ["class", "genre", "genres"].map((n) => names.indexOf(n)).find((i) => i >= 0) ?? -1;
  const extras = names
    .map((n, i) => [i, n] as const)
    .filter(([i]) => i !== idAt && i !== titleAt && i !== genresAt);
  const columns = ["item_id", "title", "category", "attributes"];
  const width = names.length;
  async function* batches(): AsyncGenerator<SourceBatch> {
    for await (const [n, text] of it) {
      if (out.size >= options.chunkRows) yield out.flush(columns);
      if (text === null || text === "") continue;
      const number = n - 1;
      const parts = text.split("\t").map((p) => p.trim());
      const raw = JSON.stringify(text);
      if (parts.length !== width) {
        out.reject(
          number,
          raw,
          "_record",
          "bad_record",
          `expected ${width} tab-separated fields, found ${parts.length}`,
        );
        continue;
      }
      const id = parts[idAt]!;
      if (!id || (intIds && !isInt(id))) {
        out.reject(number, raw, "item_id", "bad_format", `item_id: not an integer id: ${JSON.stringify(id)}`);
        continue;
      }
      const attributes: Record<string, string> = {};
      for (const [i, name] of extras) if (parts[i]) attributes[name] = parts[i]!;
      const genres = genresAt >= 0 ? parts[genresAt]!.split(/\s+/).filter(Boolean) : [];
      if (genres.length) attributes.genres = genres.join(" ");
      out.rows.push([
        id,
        parts[titleAt] || null,
        genres[0] ?? null,
        Object.keys(attributes).length ? attributes : null,
      ]);
      out.numbers.push(number);
    }
    if (out.size) yield out.flush(columns);
  }
  return { format, columns, batches: batches(), close: async () => lines.close() };
}
