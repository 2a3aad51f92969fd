/**
 * Parquet through hyparquet, one row group at a time (handed on in batches), with every codec
 * hyparquet-compressors knows. Strings that are not valid UTF-8 reject their row.
 */
import { isUtf8 } from "node:buffer";
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { SourceError } from "../errors.js";
import { BatchBuilder } from "./delimited.js";
import { checkFile, headBytes, type ReadOptions, rawJson, type Source, type SourceBatch } from "./source.js";

/** A string column value whose bytes are not UTF-8. */
class BrokenText {
  constructor(readonly bytes: Uint8Array) {}
  toJSON(): string {
    return Buffer.from(this.bytes).toString("utf8");
  }
}

const decoder = new TextDecoder();

/** Opens a Parquet file and reads its schema; rows are read one row group at a time. */
export async function openParquet(file: string, options: ReadOptions, format = "parquet"): Promise<Source> {
  await checkFile(file);
  const head = await headBytes(file, 4);
  if (head[0] === 0x1f && head[1] === 0x8b)
    throw new SourceError(
      `${file}: gzip-compressed Parquet is not read; decompress it first (Parquet compresses internally)`,
      "file",
    );
  if (head.toString("latin1") !== "PAR1") throw new SourceError(`${file}: not a Parquet file`, "file");
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new SourceError(`${file}: not a readable Parquet file: ${(err as Error).message}`, "file");
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  let broken = 0;
  const parsers = {
    stringFromBytes(bytes: Uint8Array | undefined): unknown {
      if (!bytes) return bytes;
      if (isUtf8(bytes)) return decoder.decode(bytes);
      broken++;
      return new BrokenText(bytes);
    },
  };
  let closed = false;
  async function* batches(): AsyncGenerator<SourceBatch> {
    let start = 0;
    for (const group of metadata.row_groups) {
      if (closed) return;
      const n = Number(group.num_rows);
      let rows: unknown[][] = [];
      broken = 0;
      try {
        await parquetRead({
          file: buffer,
          metadata,
          rowStart: start,
          rowEnd: start + n,
          compressors,
          parsers,
          onComplete: (data: unknown[][]) => {
            rows = data;
          },
        });
      } catch (err) {
        throw new SourceError(`${file}: cannot read Parquet data: ${(err as Error).message}`, "file");
      }
      for (let offset = 0; offset < rows.length; offset += options.chunkRows) {
        const out = new BatchBuilder();
        const end = Math.min(rows.length, offset + options.chunkRows);
        for (let i = offset; i < end; i++) {
          const values = rows[i]!;
          const number = start + i + 1;
          if (broken > 0 && values.some((v) => v instanceof BrokenText)) {
            const at = values.findIndex((v) => v instanceof BrokenText);
            out.reject(
              number,
              rawJson(columns, values),
              columns[at]!,
              "broken_encoding",
              `${columns[at]}: not valid UTF-8`,
            );
            continue;
          }
          out.add(values, number);
        }
        yield out.flush(columns);
      }
      start += n;
    }
  }
  return {
    format,
    columns,
    rows: Number(metadata.num_rows),
    batches: batches(),
    close: async () => {
      closed = true;
    },
  };
}
