/** Scratch files and catalog counts for the ingest tests. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { loadSettings, type Settings } from "../../src/config.js";
import type { ReadOptions, Source, SourceBatch } from "../../src/ingest/index.js";
import type { TestCatalog } from "../support/catalog.js";
import { SCRATCH } from "../support/env.js";

let counter = 0;

/** A fresh scratch folder for one test. */
export function scratchDir(): string {
  const dir = path.join(SCRATCH, `ingest-${process.pid}-${Date.now().toString(36)}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes `content` to `name` in `dir` (gzip'd with `gzip`) and returns its path. */
export function writeFile(dir: string, name: string, content: string | Buffer, gzip = false): string {
  const file = path.join(dir, name);
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

/** Settings for a test catalog (the environment left out), small batches so files span several. */
export function settingsFor(catalog: TestCatalog, overrides: Partial<Settings> = {}): Settings {
  return loadSettings(
    { databaseUrl: catalog.url, dataDir: catalog.dataDir, ingestChunkRows: 100, ...overrides },
    {},
  );
}

export const READ: ReadOptions = { chunkRows: 100, maxLineBytes: 1 << 20, kind: "events" };

/** Every batch of a source, concatenated. */
export async function readAll(source: Source): Promise<{
  rows: Array<Record<string, unknown>>;
  numbers: number[];
  rejected: SourceBatch["rejected"];
}> {
  const rows: Array<Record<string, unknown>> = [];
  const numbers: number[] = [];
  const rejected: SourceBatch["rejected"] = [];
  for await (const b of source.batches) {
    for (const r of b.rows) {
      const obj: Record<string, unknown> = {};
      b.columns.forEach((c, i) => {
        if (r[i] !== undefined) obj[c] = r[i];
      });
      rows.push(obj);
    }
    for (const n of b.numbers) numbers.push(n);
    for (const r of b.rejected) rejected.push(r);
  }
  return { rows, numbers, rejected };
}

/** How many rows each ingest-written table holds. */
export async function counts(catalog: TestCatalog): Promise<Record<string, number>> {
  const p = catalog.prisma;
  return {
    products: await p.product.count(),
    events: await p.event.count(),
    judgements: await p.judgement.count(),
    users: await p.user.count(),
    quarantine: await p.quarantineRow.count(),
    runs: await p.ingestRun.count(),
  };
}
