/**
 * One file into the catalog: an IngestRun row, then every batch read, checked and written inside
 * one transaction of a bulk writer, committed with the run's counts, or rolled back whole.
 */
import path from "node:path";
import type { Catalog } from "../catalog/client.js";
import type { Settings } from "../config.js";
import { contractFor, type Kind, makeRules } from "../contracts/index.js";
import { ConfigError, ShopmindError, SourceError } from "../errors.js";
import { BatchChecker } from "./checked.js";
import { checkExplicitMap } from "./mapping.js";
import { type DeferIndexes, EventsSink, JudgementsSink, ProductsSink, type Sink } from "./sinks.js";
import { checkFile, contentBytes, type ReadOptions, resolveFormat } from "./source.js";
import { PgBulkWriter } from "./writers/postgres.js";
import { SqliteBulkWriter } from "./writers/sqlite.js";
import type { BulkWriter } from "./writers/types.js";
import "./formats.js";

export type IngestRequest = {
  kind: "products" | "events" | "judgements";
  file: string;
  /** A registered format name; by default the file's extension decides. */
  format?: string;
  /** Source column -> canonical field (`--map SRC=FIELD`). */
  map?: Record<string, string>;
  /**
   * Called after each batch. On SQLite the run holds the catalog's write lock until it commits:
   * report progress somewhere else than the catalog (a queue, a log).
   */
  onProgress?: (p: { rows: number }) => void;
  /** Text encoding of text formats: utf8 (default; bad bytes quarantine their row) or latin1. */
  encoding?: "utf8" | "latin1";
};

export type IngestReport = {
  run: string;
  kind: Kind;
  source: string;
  format: string;
  status: "COMPLETED" | "FAILED";
  inputRows: number;
  accepted: number;
  quarantined: number;
  /** Rows quarantined per duplicate rule. */
  duplicates: Record<string, number>;
  seconds: number;
};

/** Knobs for benchmarks and tests; the defaults suit every shop file. */
export type IngestTuning = {
  /** Drop and rebuild the Event indexes around a large load ("auto": when it pays). */
  deferIndexes?: DeferIndexes;
};

function openWriter(catalog: Catalog, now: number): BulkWriter {
  const target = catalog.target;
  if (target.provider === "postgresql") return new PgBulkWriter(target.url, now);
  if (target.file === ":memory:") throw new ConfigError("ingest needs a catalog in a file or in PostgreSQL");
  return new SqliteBulkWriter(target.file, now);
}

/** A generous guess of the bytes per event record in text files, to guess their row count. */
const BYTES_PER_EVENT = 120;

function makeSink(
  kind: Kind,
  writer: BulkWriter,
  runId: string,
  defer: DeferIndexes,
  eventsBefore: number,
  expectedRows: number,
): Sink {
  if (kind === "events") return new EventsSink(writer, runId, defer, eventsBefore, expectedRows);
  if (kind === "products") return new ProductsSink(writer, runId);
  return new JudgementsSink(writer, runId);
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/**
 * Ingests `request.file` as `request.kind`. Row problems never throw: rows go to quarantine.
 * File problems (unknown path or format, unreadable header, missing required columns) throw a
 * SourceError before anything is written; a failure mid-file rolls every row back, marks the
 * run FAILED with the error, and rethrows. `inputRows = accepted + quarantined` in every run.
 */
export async function ingestFile(
  catalog: Catalog,
  settings: Settings,
  request: IngestRequest,
  tuning: IngestTuning = {},
): Promise<IngestReport> {
  const t0 = performance.now();
  const contract = contractFor(request.kind);
  if (!contract)
    throw new SourceError(
      `kind ${JSON.stringify(request.kind)} is not products, events or judgements`,
      "kind",
    );
  const file = path.resolve(request.file);
  await checkFile(file);
  const entry = resolveFormat(file, request.format, contract.kind);
  const explicit = request.map ?? {};
  checkExplicitMap(contract, explicit);
  const options: ReadOptions = {
    chunkRows: settings.ingestChunkRows,
    maxLineBytes: settings.ingestMaxLineBytes,
    kind: contract.kind,
    ...(request.encoding ? { encoding: request.encoding } : {}),
  };
  const now = Date.now();
  const rules = makeRules(
    {
      maxFutureSeconds: settings.ingestMaxFutureSeconds,
      minYear: settings.ingestMinYear,
      defaultCurrency: settings.defaultCurrency,
    },
    now,
  );
  const source = await entry.open(file, options);
  let checker: BatchChecker;
  try {
    checker = new BatchChecker(contract, rules, source.columns, explicit);
  } catch (err) {
    await source.close();
    throw err;
  }

  const run = await catalog.prisma.ingestRun.create({
    data: { kind: contract.kind, source: file, format: entry.name, status: "RUNNING" },
  });
  const stages = { read: 0, check: 0, write: 0, finish: 0, commit: 0 };
  let mark = performance.now();
  const lap = (stage: keyof typeof stages) => {
    const t = performance.now();
    stages[stage] += (t - mark) / 1000;
    mark = t;
  };
  let inputRows = 0;
  let quarantined = 0;
  const byCheck: Record<string, number> = {};
  let writer: BulkWriter | null = null;
  try {
    writer = openWriter(catalog, now);
    await writer.begin();
    const eventsBefore = contract.kind === "events" ? await writer.eventCount() : 0;
    const expected = source.rows ?? Math.floor((await contentBytes(file)) / BYTES_PER_EVENT);
    const sink = makeSink(
      contract.kind,
      writer,
      run.id,
      tuning.deferIndexes ?? "auto",
      eventsBefore,
      expected,
    );
    lap("write");
    for await (const batch of source.batches) {
      lap("read");
      inputRows += batch.rows.length + batch.rejected.length;
      const checked = checker.check(batch);
      lap("check");
      const quarantine = checked.quarantine;
      await sink.write(batch, checked, quarantine);
      if (quarantine.length) {
        await writer.insertQuarantine(quarantine, run.id);
        for (const q of quarantine) byCheck[q.check] = (byCheck[q.check] ?? 0) + 1;
      }
      quarantined += quarantine.length;
      lap("write");
      request.onProgress?.({ rows: inputRows });
      // A turn of the event loop lets the database's replies in: the batch just sent starts
      // while the next one is read (buffered file data alone never leaves the microtask queue).
      await new Promise((resolve) => setImmediate(resolve));
      mark = performance.now();
    }
    await writer.flush();
    lap("write");
    await sink.finish();
    lap("finish");
    const accepted = sink.accepted;
    if (accepted + quarantined !== inputRows)
      throw new ShopmindError(
        "INTERNAL_SERVER_ERROR",
        `ingest did not reconcile: ${inputRows} input rows but ${accepted} accepted + ${quarantined} quarantined`,
      );
    const duplicates = sink.duplicates();
    const total = (performance.now() - t0) / 1000;
    const stats = {
      encoding: options.encoding ?? "format default",
      mapping: checker.mapping,
      ignoredColumns: contract.extras === "ignore" ? checker.extraNames : [],
      duplicates,
      byCheck,
      ...sink.stats(),
      seconds: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, round(v)])),
      rowsPerSecond: total > 0 ? Math.round(inputRows / total) : null,
    };
    await writer.completeRun(run.id, {
      status: "COMPLETED",
      inputRows,
      accepted,
      quarantined,
      stats,
      error: null,
    });
    await writer.commit();
    lap("commit");
    return {
      run: run.id,
      kind: contract.kind,
      source: file,
      format: entry.name,
      status: "COMPLETED",
      inputRows,
      accepted,
      quarantined,
      duplicates,
      seconds: round((performance.now() - t0) / 1000),
    };
  } catch (err) {
    await writer?.rollback().catch(() => {});
    await writer?.close().catch(() => {});
    writer = null;
    await source.close();
    const message = err instanceof Error ? err.message : String(err);
    await catalog.prisma.ingestRun.update({
      where: { id: run.id },
      data: {
        status: "FAILED",
        error: message,
        finishedAt: new Date(),
        stats: { rowsReadBeforeFailure: inputRows, seconds: round((performance.now() - t0) / 1000) },
      },
    });
    if (err instanceof SourceError)
      throw new SourceError(`${message} (ingest run ${run.id} failed; no rows were written)`, err.field);
    throw err;
  } finally {
    await writer?.close();
  }
}
