/**
 * CSV and TSV with a header line. Lines without a quote are split directly (the fast path);
 * a quoted field may hold delimiters, doubled quotes and line breaks (RFC 4180). A quote that
 * never closes is cut off at the size limit: its first line is rejected and reading resumes on
 * the next line, so one bad quote costs one record rather than the rest of the file.
 */
import { SourceError } from "../errors.js";
import {
  byteStream,
  type ReadOptions,
  type RejectedRecord,
  readFailure,
  type Source,
  type SourceBatch,
} from "./source.js";
import { LINE_BROKEN, LINE_LONG, type LineBlock, lineBlocks } from "./text.js";

/**
 * Rows and rejects collected into batches of `limit` records: a full batch moves to `ready`,
 * from where the reader hands it out, so a block of many short lines still makes batches of
 * `limit` records.
 */
export class BatchBuilder {
  rows: unknown[][] = [];
  numbers: number[] = [];
  rejected: RejectedRecord[] = [];
  private ready: SourceBatch[] = [];

  constructor(
    private readonly columns: () => readonly string[] = () => [],
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.rows.length + this.rejected.length;
  }

  /** Adds one row (values aligned with the columns) read from record `number`. */
  add(values: unknown[], number: number): void {
    this.rows.push(values);
    this.numbers.push(number);
    if (this.rows.length + this.rejected.length >= this.limit) this.cut();
  }

  reject(row: number, raw: string, field: string, check: RejectedRecord["check"], reason: string): void {
    this.rejected.push({ row, raw, field, check, reason });
    if (this.rows.length + this.rejected.length >= this.limit) this.cut();
  }

  /** Moves what was collected, if anything, to the ready batches. */
  cut(): void {
    if (this.size) this.ready.push(this.flush(this.columns()));
  }

  /** The full batches so far (and, with `all`, the partial one too); they leave the builder. */
  take(all = false): SourceBatch[] {
    if (all) this.cut();
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** The collected rows as a batch of `columns`; the builder is empty afterwards. */
  flush(columns: readonly string[]): SourceBatch {
    const batch = { columns, rows: this.rows, numbers: this.numbers, rejected: this.rejected };
    this.rows = [];
    this.numbers = [];
    this.rejected = [];
    return batch;
  }
}

type Pending = {
  fields: string[];
  cur: string;
  inQuotes: boolean;
  atStart: boolean;
  lines: string[];
  chars: number;
  broken: boolean;
};

/** Turns lines into records; the first record is the header. */
export class DelimitedParser {
  header: string[] | null = null;
  private row = 0;
  private pending: Pending | null = null;

  constructor(
    private readonly delimiter: string,
    private readonly maxLineBytes: number,
    private readonly file: string,
  ) {}

  /** Parses a block's lines, adding records and rejects to `out`. */
  push(block: LineBlock, out: BatchBuilder): void {
    this.lines(block.lines, block.flags, block.longBytes, out);
  }

  /** Ends the input: a record still open is rejected and the lines after its first re-read. */
  end(out: BatchBuilder): void {
    while (this.pending) {
      const open = this.pending;
      this.pending = null;
      this.unclosed(open, out);
    }
  }

  private lines(
    lines: string[],
    flags: Uint8Array | null,
    longBytes: number[] | undefined,
    out: BatchBuilder,
  ) {
    const d = this.delimiter;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const flag = flags ? flags[i]! : 0;
      if (this.pending) {
        this.continueRecord(line, flag, out);
        continue;
      }
      if (flag === LINE_LONG) {
        this.headerOr(`the first line is longer than ${this.maxLineBytes} bytes`);
        const size = longBytes?.[i];
        out.reject(
          ++this.row,
          JSON.stringify(line),
          "_record",
          "too_long",
          `line is ${size ?? "more than"} bytes, over the limit of ${this.maxLineBytes}`,
        );
        continue;
      }
      if (line === "") continue;
      if (line.indexOf('"') < 0) {
        this.record(line.split(d), line, flag === LINE_BROKEN, out);
        continue;
      }
      const st: Pending = {
        fields: [],
        cur: "",
        inQuotes: false,
        atStart: true,
        lines: [line],
        chars: line.length,
        broken: flag === LINE_BROKEN,
      };
      if (this.feed(st, line)) this.record(st.fields, line, st.broken, out);
      else this.pending = st;
    }
  }

  private continueRecord(line: string, flag: number, out: BatchBuilder): void {
    const st = this.pending!;
    st.lines.push(line);
    st.chars += line.length + 1;
    if (flag === LINE_BROKEN) st.broken = true;
    if (flag === LINE_LONG || st.chars > this.maxLineBytes) {
      this.pending = null;
      this.unclosed(st, out);
      return;
    }
    st.cur += "\n";
    if (this.feed(st, line)) {
      this.pending = null;
      this.record(st.fields, st.lines.join("\n"), st.broken, out);
    }
  }

  /** A record whose quote never closed: its first line is rejected, the others read again. */
  private unclosed(st: Pending, out: BatchBuilder): void {
    this.headerOr("the header has a quote that is never closed");
    out.reject(
      ++this.row,
      JSON.stringify(st.lines[0]),
      "_record",
      "bad_record",
      `a quoted field is not closed within ${this.maxLineBytes} bytes or by the end of the file`,
    );
    const rest = st.lines.slice(1);
    if (rest.length) this.lines(rest, null, undefined, out);
  }

  /** Consumes one line into an open record; true when the record is complete. */
  private feed(st: Pending, line: string): boolean {
    const d = this.delimiter;
    const n = line.length;
    let i = 0;
    while (i < n) {
      if (st.inQuotes) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          st.cur += line.slice(i);
          return false;
        }
        st.cur += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          st.cur += '"';
          i = q + 2;
        } else {
          st.inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      if (st.atStart && line.charCodeAt(i) === 34) {
        st.inQuotes = true;
        st.atStart = false;
        i++;
        continue;
      }
      // Outside quotes a quote is taken literally (`5" screen`), as most writers produce it.
      const at = line.indexOf(d, i);
      if (at < 0) {
        st.cur += line.slice(i);
        st.atStart = false;
        break;
      }
      st.cur += line.slice(i, at);
      st.fields.push(st.cur);
      st.cur = "";
      st.atStart = true;
      i = at + 1;
    }
    if (st.inQuotes) return false;
    st.fields.push(st.cur);
    return true;
  }

  private headerOr(problem: string): void {
    if (this.header === null) throw new SourceError(`${this.file}: ${problem}`, "file");
  }

  private record(fields: string[], text: string, broken: boolean, out: BatchBuilder): void {
    if (this.header === null) {
      if (broken)
        throw new SourceError(
          `${this.file}: the header line is not valid UTF-8; pass --encoding latin1 if the file uses another encoding`,
          "file",
        );
      this.header = readHeader(fields, this.file);
      return;
    }
    const row = ++this.row;
    if (broken) {
      out.reject(row, JSON.stringify(text), "_record", "broken_encoding", "the record is not valid UTF-8");
      return;
    }
    if (fields.length !== this.header.length) {
      out.reject(
        row,
        JSON.stringify(text),
        "_record",
        "bad_record",
        `expected ${this.header.length} fields, found ${fields.length}`,
      );
      return;
    }
    out.add(fields, row);
  }
}

function readHeader(fields: string[], file: string): string[] {
  const names = fields.map((f) => f.trim());
  if (names.every((n) => n === "")) throw new SourceError(`${file}: the header line is empty`, "file");
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) repeated.add(n);
    seen.add(n);
  }
  if (repeated.size)
    throw new SourceError(`${file}: the header repeats column(s) ${[...repeated].join(", ")}`, "file");
  return names;
}

/**
 * Opens a CSV (`,`) or TSV (`\t`) file and reads its header. With `sniff`, a header holding
 * tabs and no commas makes a `.csv` file tab-separated.
 */
export async function openDelimited(
  file: string,
  options: ReadOptions,
  delimiter: "," | "\t",
  format: string,
  sniff = delimiter === ",",
): Promise<Source> {
  const stream = await byteStream(file);
  const blocks = lineBlocks(stream.chunks, {
    encoding: options.encoding ?? "utf8",
    maxLineBytes: options.maxLineBytes,
    file,
  })[Symbol.asyncIterator]();
  let parser: DelimitedParser | null = null;
  const out = new BatchBuilder(() => parser?.header ?? [], options.chunkRows);
  let done = false;
  try {
    while (!parser?.header) {
      const next = await blocks.next();
      if (next.done) {
        done = true;
        parser?.end(out);
        break;
      }
      if (!parser) {
        const first = next.value.lines.find((l) => l !== "") ?? "";
        const d = sniff && first.includes("\t") && !first.includes(",") ? "\t" : delimiter;
        parser = new DelimitedParser(d, options.maxLineBytes, file);
      }
      parser.push(next.value, out);
    }
  } catch (err) {
    stream.destroy();
    throw readFailure(file, err);
  }
  if (!parser?.header) {
    stream.destroy();
    throw new SourceError(`${file}: the file is empty, expected a header line`, "file");
  }
  const p = parser;
  async function* batches(): AsyncGenerator<SourceBatch> {
    try {
      while (!done) {
        yield* out.take();
        const next = await blocks.next();
        if (next.done) break;
        p.push(next.value, out);
      }
      p.end(out);
      yield* out.take(true);
    } catch (err) {
      throw readFailure(file, err);
    } finally {
      stream.destroy();
    }
  }
  return { format, columns: p.header!, batches: batches(), close: async () => stream.destroy() };
}
