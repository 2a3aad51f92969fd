/**
 * Plumbing shared by the dataset readers: numbered lines of a (gzip'd) text file, each bad line
 * (broken encoding, over the size limit) rejected with its number, and TSV headers with
 * RecBole's `name:type` suffixes removed.
 */

import { SourceError } from "../../src/errors.js";
import {
  BatchBuilder,
  byteStream,
  LINE_BROKEN,
  LINE_LONG,
  lineBlocks,
  type ReadOptions,
  readFailure,
  type SourceBatch,
} from "../../src/ingest/index.js";

/** Files without times get `2000-01-01T00:00:00Z + position` seconds per user: order survives, clock does not. */
export const SYNTHETIC_EPOCH = 946_684_800;

export const isInt = (s: string) => /^\d+$/.test(s);

/** Lines of a text file with their 1-based numbers (header included when `header` is false). */
export class TextLines {
  private stream: Awaited<ReturnType<typeof byteStream>> | null = null;

  constructor(
    readonly file: string,
    private readonly options: ReadOptions,
    private readonly encoding: "utf8" | "latin1",
  ) {}

  fail(problem: string): SourceError {
    return new SourceError(`${this.file}: ${problem}`, "file");
  }

  /**
   * Each line as `[number, text]`; a bad line goes to `out` as a reject and comes as
   * `[number, null]` so the caller can still flush a batch full of rejects.
   */
  async *lines(out: BatchBuilder): AsyncGenerator<[number, string | null]> {
    this.stream = await byteStream(this.file);
    let number = 0;
    try {
      for await (const block of lineBlocks(this.stream.chunks, {
        encoding: this.options.encoding ?? this.encoding,
        maxLineBytes: this.options.maxLineBytes,
        file: this.file,
      })) {
        for (let i = 0; i < block.lines.length; i++) {
          number++;
          const flag = block.flags ? block.flags[i] : 0;
          const text = block.lines[i]!;
          if (flag === LINE_BROKEN) {
            out.reject(
              number,
              JSON.stringify(text),
              "_record",
              "broken_encoding",
              "the line is not valid UTF-8",
            );
            yield [number, null];
          } else if (flag === LINE_LONG) {
            out.reject(
              number,
              JSON.stringify(text),
              "_record",
              "too_long",
              `line is over the limit of ${this.options.maxLineBytes} bytes`,
            );
            yield [number, null];
          } else yield [number, text];
        }
      }
    } catch (err) {
      throw readFailure(this.file, err);
    } finally {
      this.stream.destroy();
    }
  }

  close(): void {
    this.stream?.destroy();
  }
}

/** Column names of a tab-separated header, RecBole `name:type` suffixes and a BOM removed. */
export function tsvHeader(text: string): string[] {
  return text
    .replace(/^\ufeff/, "")
    .split("\t")
    .map((n) => n.split(":")[0]!.trim());
}

/** The position of the first of `names` found in `header`; SourceError when none is there. */
export function columnOf(lines: TextLines, header: readonly string[], names: readonly string[]): number {
  for (const n of names) {
    const at = header.indexOf(n);
    if (at >= 0) return at;
  }
  throw lines.fail(`header [${header.join(", ")}] lacks a ${names.join(" or ")} column`);
}

/** Flushes `out` as a batch of `columns` when it holds `chunkRows` records. */
export function full(out: BatchBuilder, options: ReadOptions): boolean {
  return out.size >= options.chunkRows;
}

export type { SourceBatch };
