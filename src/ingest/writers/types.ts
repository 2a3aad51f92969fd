/**
 * What the ingest writes, and the writer interface both catalog databases implement. A writer
 * owns one connection and one transaction: everything of a run commits together or not at all.
 */

export type ProductRecord = {
  id: string;
  title: string;
  description: string | null;
  brand: string | null;
  category: string | null;
  price: number | null;
  currency: string | null;
  stock: number | null;
  /** JSON text of the attribute map (sorted keys), or null. */
  attributes: string | null;
  imageUrl: string | null;
  language: string | null;
  rowHash: string;
};

/**
 * One event as canonical values, in the contract's field order: user_id, session_id, item_id,
 * event_type, timestamp (epoch ms), query, price, quantity.
 */
export type EventValues = readonly unknown[];

export type JudgementRecord = { query: string; productId: string; relevance: number };

export type QuarantineEntry = {
  rowNumber: number;
  raw: string;
  field: string | null;
  check: string;
  reason: string;
};

export type RunUpdate = {
  status: "COMPLETED" | "FAILED";
  inputRows: number;
  accepted: number;
  quarantined: number;
  stats: Record<string, unknown>;
  error: string | null;
};

/** The product columns in the order writers bind them. */
export const PRODUCT_COLUMNS = [
  "id",
  "title",
  "description",
  "brand",
  "category",
  "price",
  "currency",
  "stock",
  "attributes",
  "imageUrl",
  "language",
  "rowHash",
] as const;

export interface BulkWriter {
  readonly provider: "sqlite" | "postgresql";
  /** Starts the run's transaction (taking the write lock on SQLite). */
  begin(): Promise<void>;
  /** Waits for writes still in flight; their errors surface here. */
  flush(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
  /**
   * Which of `ids` are products in the catalog. Only runs that never write products ask, so
   * PostgreSQL answers on a second connection (committed products) without waiting for writes.
   */
  existingProducts(ids: readonly string[]): Promise<Set<string>>;
  /** Every product id, or null when the catalog holds more than `limit` products. */
  productIds(limit: number): Promise<Set<string> | null>;
  /** The stored row hash of each of `ids` that is a product. */
  productHashes(ids: readonly string[]): Promise<Map<string, string>>;
  /** One stored product in canonical field names (for the quarantine row of a superseded one). */
  readProduct(id: string): Promise<Record<string, unknown> | null>;
  upsertProducts(rows: readonly ProductRecord[], runId: string | null): Promise<void>;
  insertUsers(ids: readonly string[]): Promise<void>;
  insertEvents(events: readonly EventValues[], runId: string): Promise<void>;
  upsertJudgements(rows: readonly JudgementRecord[], runId: string): Promise<void>;
  insertQuarantine(rows: readonly QuarantineEntry[], runId: string): Promise<void>;
  /** About how many events the catalog holds (cheap; an estimate on PostgreSQL). */
  eventCount(): Promise<number>;
  /**
   * Drops the Event table's secondary indexes (and, on PostgreSQL, its foreign keys) for the
   * rest of the transaction; `restoreEventIndexes` rebuilds them exactly as they were.
   */
  deferEventIndexes(): Promise<void>;
  restoreEventIndexes(): Promise<void>;
  /** Records the run's outcome inside the transaction, so counts and rows commit together. */
  completeRun(runId: string, update: RunUpdate): Promise<void>;
}
