/**
 * The SQLite bulk writer: its own better-sqlite3 connection to the catalog file, one
 * BEGIN IMMEDIATE transaction, multi-row prepared INSERTs.
 */
import Database from "better-sqlite3";
import { UtcFormatter } from "./time.js";
import {
  type BulkWriter,
  type EventValues,
  type JudgementRecord,
  PRODUCT_COLUMNS,
  type ProductRecord,
  type QuarantineEntry,
  type RunUpdate,
} from "./types.js";

/** DateTime as Prisma's SQLite adapter writes it, so Prisma reads (and orders) it alike. */
export function sqliteTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

const q = (name: string) => `"${name}"`;
/** A string as an SQL literal. */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

const EVENT_COLUMNS = [
  "userId",
  "sessionId",
  "productId",
  "type",
  "timestamp",
  "query",
  "price",
  "quantity",
  "ingestRunId",
  "receivedAt",
];
/** Rows per INSERT statement: few enough for SQLite's bound-parameter limit at any width here. */
const ROWS_PER_STATEMENT = 100;

type Statement = Database.Statement<unknown[]>;

export class SqliteBulkWriter implements BulkWriter {
  readonly provider = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly now: string;
  private readonly statements = new Map<string, Statement>();
  private deferred: Array<{ name: string; sql: string }> | null = null;
  private readonly times = new UtcFormatter("+00:00");
  private open = false;

  constructor(file: string, now: number = Date.now()) {
    this.db = new Database(file);
    this.now = sqliteTime(now);
    this.db.pragma("busy_timeout = 10000");
    // The run checks every reference itself (products looked up, users inserted first) inside
    // a transaction that holds the only write lock, so SQLite's per-row foreign-key lookups
    // would only repeat that work.
    this.db.pragma("foreign_keys = OFF");
    // WAL (set on the file by the catalog) with synchronous=NORMAL: a committed transaction
    // survives the death of the process; only an OS crash or power loss can lose the last ones.
    this.db.pragma("synchronous = NORMAL");
    // A large page cache for the run; temporary files (the sorter of an index rebuild) stay on
    // disk, or rebuilding over 10M rows would hold gigabytes in memory.
    this.db.pragma("cache_size = -262144");
  }

  async begin(): Promise<void> {
    this.db.exec("BEGIN IMMEDIATE");
    this.open = true;
  }

  async flush(): Promise<void> {}

  async commit(): Promise<void> {
    this.db.exec("COMMIT");
    this.open = false;
  }

  async rollback(): Promise<void> {
    if (this.open && this.db.inTransaction) this.db.exec("ROLLBACK");
    this.open = false;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** A cached INSERT of `rows` rows of `columns` (with `tail`, e.g. an ON CONFLICT clause). */
  private insert(table: string, columns: readonly string[], rows: number, tail = ""): Statement {
    const key = `${table}|${rows}|${tail}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      const one = `(${columns.map(() => "?").join(",")})`;
      const values = new Array(rows).fill(one).join(",");
      stmt = this.db.prepare(
        `INSERT INTO ${q(table)} (${columns.map(q).join(",")}) VALUES ${values} ${tail}`,
      );
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  /** Inserts `n` rows whose values `fill` writes into a flat parameter array. */
  private many(
    table: string,
    columns: readonly string[],
    n: number,
    fill: (row: number, params: unknown[], at: number) => void,
    tail = "",
  ): void {
    const width = columns.length;
    let params: unknown[] = new Array(ROWS_PER_STATEMENT * width);
    for (let start = 0; start < n; start += ROWS_PER_STATEMENT) {
      const count = Math.min(ROWS_PER_STATEMENT, n - start);
      if (count !== ROWS_PER_STATEMENT) params = new Array(count * width);
      for (let r = 0; r < count; r++) fill(start + r, params, r * width);
      this.insert(table, columns, count, tail).run(params);
    }
  }

  private selectIn<T>(sql: (marks: string) => string, ids: readonly string[]): T[] {
    const out: T[] = [];
    for (let start = 0; start < ids.length; start += 500) {
      const part = ids.slice(start, start + 500);
      const stmt = this.db.prepare(sql(part.map(() => "?").join(",")));
      out.push(...(stmt.all(...part) as T[]));
    }
    return out;
  }

  async existingProducts(ids: readonly string[]): Promise<Set<string>> {
    const rows = this.selectIn<{ id: string }>((m) => `SELECT id FROM "Product" WHERE id IN (${m})`, ids);
    return new Set(rows.map((r) => r.id));
  }

  async productIds(limit: number): Promise<Set<string> | null> {
    const rows = this.db
      .prepare(`SELECT id FROM "Product" LIMIT ?`)
      .pluck()
      .all(limit + 1) as string[];
    return rows.length > limit ? null : new Set(rows);
  }

  async productHashes(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = this.selectIn<{ id: string; rowHash: string }>(
      (m) => `SELECT id, "rowHash" FROM "Product" WHERE id IN (${m})`,
      ids,
    );
    return new Map(rows.map((r) => [r.id, r.rowHash]));
  }

  async readProduct(id: string): Promise<Record<string, unknown> | null> {
    const row = this.db.prepare(`SELECT * FROM "Product" WHERE id = ?`).get(id) as
      | Record<string, unknown>
      | undefined;
    return row ?? null;
  }

  async upsertProducts(rows: readonly ProductRecord[], runId: string | null): Promise<void> {
    const columns = [...PRODUCT_COLUMNS, "ingestRunId", "createdAt", "updatedAt"];
    const updates = [...PRODUCT_COLUMNS.slice(1), "ingestRunId", "updatedAt"]
      .map((c) => `${q(c)} = excluded.${q(c)}`)
      .join(", ");
    const now = this.now;
    this.many(
      "Product",
      columns,
      rows.length,
      (i, p, at) => {
        const r = rows[i]!;
        p[at] = r.id;
        p[at + 1] = r.title;
        p[at + 2] = r.description;
        p[at + 3] = r.brand;
        p[at + 4] = r.category;
        p[at + 5] = r.price;
        p[at + 6] = r.currency;
        p[at + 7] = r.stock;
        p[at + 8] = r.attributes;
        p[at + 9] = r.imageUrl;
        p[at + 10] = r.language;
        p[at + 11] = r.rowHash;
        p[at + 12] = runId;
        p[at + 13] = now;
        p[at + 14] = now;
      },
      `ON CONFLICT(id) DO UPDATE SET ${updates}`,
    );
  }

  async insertUsers(ids: readonly string[]): Promise<void> {
    const now = this.now;
    this.many(
      "User",
      ["id", "createdAt"],
      ids.length,
      (i, p, at) => {
        p[at] = ids[i];
        p[at + 1] = now;
      },
      "ON CONFLICT(id) DO NOTHING",
    );
  }

  async insertEvents(rows: readonly EventValues[], runId: string): Promise<void> {
    // The run and the receipt time are the same for every row: written into the statement
    // as literals, they cost nothing per row (binding them was a third of the insert time).
    const tail = `${literal(runId)}, ${literal(this.now)}`;
    const key = `Event|${tail}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      const one = `(?, ?, ?, ?, ?, ?, ?, ?, ${tail})`;
      stmt = this.db.prepare(
        `INSERT INTO "Event" ("userId", "sessionId", "productId", type, "timestamp", query, price, quantity,
           "ingestRunId", "receivedAt") VALUES ${new Array(ROWS_PER_STATEMENT).fill(one).join(",")}`,
      );
      this.statements.set(key, stmt);
    }
    const fmt = this.times;
    const full = rows.length - (rows.length % ROWS_PER_STATEMENT);
    const params: unknown[] = new Array(ROWS_PER_STATEMENT * 8);
    for (let start = 0; start < full; start += ROWS_PER_STATEMENT) {
      for (let r = 0, at = 0; r < ROWS_PER_STATEMENT; r++, at += 8) {
        const v = rows[start + r]!;
        params[at] = v[0];
        params[at + 1] = v[1];
        params[at + 2] = v[2];
        params[at + 3] = v[3];
        params[at + 4] = fmt.format(v[4] as number);
        params[at + 5] = v[5];
        params[at + 6] = v[6];
        params[at + 7] = v[7];
      }
      stmt.run(params);
    }
    if (full < rows.length) {
      const one = this.insert("Event", EVENT_COLUMNS, 1);
      for (let i = full; i < rows.length; i++) {
        const v = rows[i]!;
        one.run(v[0], v[1], v[2], v[3], fmt.format(v[4] as number), v[5], v[6], v[7], runId, this.now);
      }
    }
  }

  async upsertJudgements(rows: readonly JudgementRecord[], runId: string): Promise<void> {
    this.many(
      "Judgement",
      ["query", "productId", "relevance", "ingestRunId"],
      rows.length,
      (i, p, at) => {
        const r = rows[i]!;
        p[at] = r.query;
        p[at + 1] = r.productId;
        p[at + 2] = r.relevance;
        p[at + 3] = runId;
      },
      `ON CONFLICT("query", "productId") DO UPDATE SET "relevance" = excluded."relevance", "ingestRunId" = excluded."ingestRunId"`,
    );
  }

  async insertQuarantine(rows: readonly QuarantineEntry[], runId: string): Promise<void> {
    this.many(
      "QuarantineRow",
      ["runId", "rowNumber", "raw", "field", "check", "reason"],
      rows.length,
      (i, p, at) => {
        const r = rows[i]!;
        p[at] = runId;
        p[at + 1] = r.rowNumber;
        p[at + 2] = r.raw;
        p[at + 3] = r.field;
        p[at + 4] = r.check;
        p[at + 5] = r.reason;
      },
    );
  }

  async eventCount(): Promise<number> {
    const row = this.db.prepare(`SELECT max(seq) AS n FROM "Event"`).get() as { n: number | null };
    return row.n ?? 0;
  }

  async deferEventIndexes(): Promise<void> {
    if (this.deferred) return;
    const indexes = this.db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Event' AND sql IS NOT NULL`,
      )
      .all() as Array<{ name: string; sql: string }>;
    for (const index of indexes) this.db.exec(`DROP INDEX ${q(index.name)}`);
    this.deferred = indexes;
    this.statements.clear(); // prepared statements are invalid after a schema change
  }

  async restoreEventIndexes(): Promise<void> {
    if (!this.deferred) return;
    for (const index of this.deferred) this.db.exec(index.sql);
    this.deferred = null;
    this.statements.clear();
  }

  async completeRun(runId: string, update: RunUpdate): Promise<void> {
    this.db
      .prepare(
        `UPDATE "IngestRun" SET status = ?, "inputRows" = ?, accepted = ?, quarantined = ?, stats = ?, error = ?, "finishedAt" = ? WHERE id = ?`,
      )
      .run(
        update.status,
        update.inputRows,
        update.accepted,
        update.quarantined,
        JSON.stringify(update.stats),
        update.error,
        sqliteTime(Date.now()),
        runId,
      );
  }
}
