/**
 * Bytes to lines, for every text format. Whole blocks that are valid UTF-8 are decoded at once
 * (the common case); a block with bad bytes is decoded line by line so that one bad byte costs
 * one line, not the file. A line longer than the limit is skipped to its end without being
 * held, and comes back as a marker with a short preview.
 */
import { isUtf8 } from "node:buffer";
import { SourceError } from "../errors.js";

export const LINE_OK = 0;
/** The line's bytes are not valid UTF-8; its text has U+FFFD where they were. */
export const LINE_BROKEN = 1;
/** The line was longer than the limit; its text is a preview. */
export const LINE_LONG = 2;

/** Lines of one block, without their line ends; `flags[i]` says what is wrong with line i. */
export type LineBlock = { lines: string[]; flags: Uint8Array | null; longBytes?: number[] };

const NEWLINE = 0x0a;
const PREVIEW = 200;

const MAGIC: ReadonlyArray<[string, string]> = [
  ["PAR1", "is a Parquet file; pass --format parquet"],
  ["PK\u0003\u0004", "is a zip archive (an .xlsx workbook?); export it as CSV first"],
  ["%PDF", "is a PDF document, not a data file"],
  ["\u0089PNG", "is an image, not a data file"],
  ["SQLite format 3", "is a SQLite database, not a data file"],
];

/**
 * Why the first bytes of a file show it is no text file, or null. A stray NUL in dirty text is
 * a row problem; many (UTF-16 text, binary formats) make the file unreadable as text.
 */
function notText(head: Buffer): string | null {
  const start = head.toString("latin1", 0, 16);
  for (const [magic, what] of MAGIC) if (start.startsWith(magic)) return what;
  let nul = 0;
  for (let i = 0; i < head.length; i++) if (head[i] === 0) nul++;
  if (nul >= 8 && nul * 100 >= head.length)
    return "is not a text file (it holds binary data, or UTF-16 text); is this the right file and format?";
  return null;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/**
 * Splits a stream into blocks of lines. `encoding` latin1 reads every byte as one character
 * (nothing is ever broken); utf8 checks every line.
 */
export async function* lineBlocks(
  chunks: AsyncIterable<Buffer>,
  options: { encoding: "utf8" | "latin1"; maxLineBytes: number; file: string },
): AsyncGenerator<LineBlock> {
  const max = options.maxLineBytes;
  const utf8 = options.encoding === "utf8";
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let draining = false;
  let drained = 0;
  let preview = "";
  let first = true;

  const decode = (buf: Buffer): string => (utf8 ? buf.toString("utf8") : buf.toString("latin1"));

  const region = (buf: Buffer): LineBlock => {
    if (!utf8 || isUtf8(buf)) {
      const lines = decode(buf).split("\n");
      lines.pop(); // the region ends with a newline
      let flags: Uint8Array | null = null;
      let longBytes: number[] | undefined;
      for (let i = 0; i < lines.length; i++) {
        let line = lines[i]!;
        line = stripCr(line);
        if (line.length > max / 4 && Buffer.byteLength(line) > max) {
          flags ??= new Uint8Array(lines.length);
          flags[i] = LINE_LONG;
          longBytes ??= [];
          longBytes[i] = Buffer.byteLength(line);
          line = `${line.slice(0, PREVIEW)}…`;
        }
        lines[i] = line;
      }
      return longBytes ? { lines, flags, longBytes } : { lines, flags };
    }
    const lines: string[] = [];
    const marks: number[] = [];
    const longBytes: number[] = [];
    let start = 0;
    while (start < buf.length) {
      let end = buf.indexOf(NEWLINE, start);
      if (end < 0) end = buf.length;
      const part = buf.subarray(start, end);
      if (part.length > max) {
        longBytes[lines.length] = part.length;
        lines.push(`${part.subarray(0, PREVIEW).toString("utf8")}…`);
        marks.push(LINE_LONG);
      } else {
        lines.push(stripCr(part.toString("utf8")));
        marks.push(isUtf8(part) ? LINE_OK : LINE_BROKEN);
      }
      start = end + 1;
    }
    return { lines, flags: Uint8Array.from(marks), longBytes };
  };

  const longMarker = (): LineBlock => {
    const block: LineBlock = {
      lines: [`${preview}…`],
      flags: Uint8Array.of(LINE_LONG),
      longBytes: [drained],
    };
    draining = false;
    drained = 0;
    preview = "";
    return block;
  };

  for await (const chunk of chunks) {
    let buf = chunk;
    if (first) {
      first = false;
      const problem = notText(buf.subarray(0, 65_536));
      if (problem) throw new SourceError(`${options.file} ${problem}`, "file");
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    let start = 0;
    if (draining) {
      const nl = buf.indexOf(NEWLINE);
      if (nl < 0) {
        drained += buf.length;
        continue;
      }
      drained += nl + 1;
      yield longMarker();
      start = nl + 1;
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last < start) {
      carry.push(buf.subarray(start));
      carryBytes += buf.length - start;
      if (carryBytes > max) {
        const head = Buffer.concat(carry);
        preview = decode(head.subarray(0, PREVIEW));
        drained = head.length;
        draining = true;
        carry = [];
        carryBytes = 0;
      }
      continue;
    }
    const body = buf.subarray(start, last + 1);
    const whole = carryBytes ? Buffer.concat([...carry, body]) : body;
    carry = [];
    carryBytes = 0;
    if (last + 1 < buf.length) {
      // Copied, so the rest of a large chunk is not kept alive by one short tail.
      carry.push(Buffer.from(buf.subarray(last + 1)));
      carryBytes = buf.length - last - 1;
    }
    yield region(whole);
  }
  if (draining) yield longMarker();
  else if (carryBytes) yield region(Buffer.concat([...carry, Buffer.from("\n")]));
}
