/**
 * Ingestion: files (CSV, TSV, JSON Lines, Parquet, gzip'd or not, and registered dataset
 * formats) into the catalog with every rejected row in quarantine, and the services the
 * GraphQL mutations call to write products and events.
 */

export { BatchBuilder, openDelimited } from "./delimited.js";
export { type IngestReport, type IngestRequest, type IngestTuning, ingestFile } from "./run.js";
export {
  type RecordEventsResult,
  recordEvents,
  type UpsertProductsResult,
  upsertProducts,
} from "./services.js";
export {
  byteStream,
  checkFile,
  type FormatEntry,
  knownFormats,
  type ReadOptions,
  type RejectedRecord,
  readFailure,
  registerFormat,
  type Source,
  type SourceBatch,
  type SourceOpener,
} from "./source.js";
export { LINE_BROKEN, LINE_LONG, LINE_OK, type LineBlock, lineBlocks } from "./text.js";
