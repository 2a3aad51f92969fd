/**
 * What every reader yields, and opening a file: existence, gzip by magic bytes, the format by
 * name or extension, and the registry of formats (the generic ones here; dataset readers
 * register theirs from scripts/datasets).
 *
 * A reader never drops a record: a record it can read becomes a row (values aligned with the
 * batch's columns); one it cannot (bad JSON, wrong field count, broken encoding, a line over
 * the limit) becomes a RejectedRecord with its row number. Checking rows against the contract
 * happens later, in one place, for every format.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { createGunzip } from "node:zlib";
import type { Check, Kind } from "../contracts/index.js";
import { SourceError } from "../errors.js";

/** A source record that could not be made into a row. `row` is 1-based, header excluded. */
export type RejectedRecord = { row: number; raw: string; field: string; check: Check; reason: string };

/** A block of records: `rows[i]` holds the values of `columns` for record `numbers[i]`. */
export type SourceBatch = {
  columns: readonly string[];
  rows: unknown[][];
  numbers: number[];
  rejected: RejectedRecord[];
};

export type ReadOptions = {
  /** Records per batch. */
  chunkRows: number;
  /** Longest line or record accepted, bytes; longer ones are quarantined, never held whole. */
  maxLineBytes: number;
  /** Text encoding of text formats; undefined: the format's own default (UTF-8 for the generic ones). */
  encoding?: "utf8" | "latin1";
  /** The kind being ingested (dataset formats produce different columns per kind). */
  kind: Kind;
};

/** An opened file: its columns are known (the header was read) before any row is processed. */
export type Source = {
  format: string;
  /** Source columns as far as known (JSON Lines may reveal more in later batches). */
  columns: readonly string[];
  batches: AsyncIterable<SourceBatch>;
  /** How many records the file holds, when the format says so (Parquet); else undefined. */
  rows?: number;
  /** Stops reading and releases the file (safe to call twice). */
  close(): Promise<void>;
};

export type SourceOpener = (file: string, options: ReadOptions) => Promise<Source>;

export type FormatEntry = {
  name: string;
  description: string;
  /** Kinds the format can produce; undefined means every kind. */
  kinds?: readonly Kind[];
  open: SourceOpener;
};

const formats = new Map<string, FormatEntry>();

/** Adds a format (`--format NAME`); a later registration of the same name replaces it. */
export function registerFormat(entry: FormatEntry): void {
  formats.set(entry.name, entry);
}

/** The registered formats, by name. */
export function knownFormats(): FormatEntry[] {
  return [...formats.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".tab": "tsv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "jsonl",
  ".parquet": "parquet",
  ".pq": "parquet",
};

/** The format a file name implies (`.csv.gz` is csv); SourceError when the name says nothing. */
export function formatFromName(file: string): string {
  let name = path.basename(file).toLowerCase();
  for (const z of [".gz", ".gzip"]) if (name.endsWith(z)) name = name.slice(0, -z.length);
  const found = EXTENSIONS[path.extname(name)];
  if (!found)
    throw new SourceError(
      `cannot tell the format of ${file} from its name; pass --format (${knownFormats()
        .map((f) => f.name)
        .join(", ")})`,
      "format",
    );
  return found;
}

/** The entry for `format` (or the one the file name implies), checked against `kind`. */
export function resolveFormat(file: string, format: string | undefined, kind: Kind): FormatEntry {
  const name = (format ?? formatFromName(file)).toLowerCase();
  const entry = formats.get(name);
  if (!entry)
    throw new SourceError(
      `unknown format ${JSON.stringify(name)}; expected one of ${knownFormats()
        .map((f) => f.name)
        .join(", ")}`,
      "format",
    );
  if (entry.kinds && !entry.kinds.includes(kind))
    throw new SourceError(
      `format ${name} cannot produce ${kind}; it produces ${entry.kinds.join(", ")}`,
      "kind",
    );
  return entry;
}

/** The file's size, or SourceError when it does not exist or is not a regular file. */
export async function checkFile(file: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch {
    throw new SourceError(`input file ${file} does not exist`, "file");
  }
  if (!info.isFile()) throw new SourceError(`input path ${file} is not a regular file`, "file");
  return info.size;
}

/** The first bytes of a file (fewer when it is shorter). */
export async function headBytes(file: string, n: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Whether a file starts with the gzip magic bytes. */
export async function isGzip(file: string): Promise<boolean> {
  const head = await headBytes(file, 2);
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * About how many bytes the file holds once decompressed: its size, or for gzip the size its
 * trailer records (modulo 4 GiB, and of the last member only: a hint, not a count).
 */
export async function contentBytes(file: string): Promise<number> {
  const size = await checkFile(file);
  if (!(await isGzip(file)) || size < 18) return size;
  const handle = await open(file, "r");
  try {
    const tail = Buffer.alloc(4);
    await handle.read(tail, 0, 4, size - 4);
    return Math.max(size, tail.readUInt32LE(0));
  } finally {
    await handle.close();
  }
}

/** The file's bytes as a stream of chunks, decompressed when it is gzip. */
export async function byteStream(file: string): Promise<{ chunks: AsyncIterable<Buffer>; destroy(): void }> {
  await checkFile(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (!(await isGzip(file))) return { chunks: raw, destroy: () => raw.destroy() };
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on("error", (err) => gunzip.destroy(err));
  raw.pipe(gunzip);
  return {
    chunks: gunzip,
    destroy: () => {
      raw.destroy();
      gunzip.destroy();
    },
  };
}

/** A reading failure (I/O, corrupt gzip) as a SourceError naming the file. */
export function readFailure(file: string, err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SourceError(`${file}: cannot read (corrupt or truncated file?): ${message}`, "file");
}

/** Row values as the JSON object a quarantine row keeps (source column names, values as read). */
export function rawJson(columns: readonly string[], values: readonly unknown[]): string {
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    obj[columns[i]!] = typeof v === "bigint" ? v.toString() : v;
  }
  return JSON.stringify(obj);
}
