/**
 * JSON Lines: one JSON object per line. Keys become columns in the order they are first seen,
 * so a key that first appears late simply adds a column to later batches.
 */
import { SourceError } from "../errors.js";
import { BatchBuilder } from "./delimited.js";
import { byteStream, type ReadOptions, readFailure, type Source, type SourceBatch } from "./source.js";
import { LINE_BROKEN, LINE_LONG, type LineBlock, lineBlocks } from "./text.js";

class JsonLinesParser {
  readonly columns: string[] = [];
  private readonly at = new Map<string, number>();
  private row = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(block: LineBlock, out: BatchBuilder): void {
    const { lines, flags } = block;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const flag = flags ? flags[i]! : 0;
      if (flag === LINE_LONG) {
        out.reject(
          ++this.row,
          JSON.stringify(line),
          "_record",
          "too_long",
          `line is ${block.longBytes?.[i] ?? "more than"} bytes, over the limit of ${this.maxLineBytes}`,
        );
        continue;
      }
      if (line.trim() === "") continue;
      const row = ++this.row;
      if (flag === LINE_BROKEN) {
        out.reject(row, JSON.stringify(line), "_record", "broken_encoding", "the line is not valid UTF-8");
        continue;
      }
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (err) {
        out.reject(
          row,
          JSON.stringify(line),
          "_record",
          "bad_record",
          `invalid JSON: ${(err as Error).message}`,
        );
        continue;
      }
      if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
        const what = obj === null ? "null" : Array.isArray(obj) ? "an array" : typeof obj;
        out.reject(
          row,
          JSON.stringify(line),
          "_record",
          "bad_record",
          `expected a JSON object, found ${what}`,
        );
        continue;
      }
      const values: unknown[] = new Array(this.columns.length);
      for (const key in obj) {
        let k = this.at.get(key);
        if (k === undefined) {
          k = this.columns.length;
          this.columns.push(key);
          this.at.set(key, k);
        }
        values[k] = (obj as Record<string, unknown>)[key];
      }
      out.add(values, row);
    }
  }
}

/** Opens a JSON Lines file; its columns are the keys of the first batch's objects. */
export async function openJsonLines(file: string, options: ReadOptions, format = "jsonl"): Promise<Source> {
  const stream = await byteStream(file);
  const blocks = lineBlocks(stream.chunks, {
    encoding: options.encoding ?? "utf8",
    maxLineBytes: options.maxLineBytes,
    file,
  })[Symbol.asyncIterator]();
  const first: SourceBatch[] = [];
  const parser = new JsonLinesParser(options.maxLineBytes);
  const out = new BatchBuilder(() => [...parser.columns], options.chunkRows);
  let done = false;
  try {
    // Read until a first batch is full (or the file ends) so the columns are known.
    while (first.length === 0) {
      const next = await blocks.next();
      if (next.done) {
        done = true;
        first.push(...out.take(true));
        break;
      }
      parser.push(next.value, out);
      first.push(...out.take());
    }
  } catch (err) {
    stream.destroy();
    throw readFailure(file, err);
  }
  if (first.length === 0) {
    stream.destroy();
    throw new SourceError(`${file}: no records found`, "file");
  }
  const columns = [...first[0]!.columns];
  async function* batches(): AsyncGenerator<SourceBatch> {
    try {
      yield* first.splice(0);
      while (!done) {
        yield* out.take();
        const next = await blocks.next();
        if (next.done) break;
        parser.push(next.value, out);
      }
      yield* out.take(true);
    } catch (err) {
      throw readFailure(file, err);
    } finally {
      stream.destroy();
    }
  }
  return { format, columns, batches: batches(), close: async () => stream.destroy() };
}
