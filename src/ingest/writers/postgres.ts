/**
 * The PostgreSQL bulk writer: one pooled connection, one transaction. Events go in by COPY (the
 * server's cheapest way in, and no per-value escaping in pg's array encoder); the smaller tables
 * as column arrays to `INSERT ... SELECT FROM unnest(...)`. One batch may be in flight while the
 * next is validated: the server works on the one while Node reads the other.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { makePgPool } from "../../catalog/target.js";
import { UtcFormatter } from "./time.js";
import {
  type BulkWriter,
  type EventValues,
  type JudgementRecord,
  type ProductRecord,
  type QuarantineEntry,
  type RunUpdate,
} from "./types.js";

const q = (name: string) => `"${name}"`;
/** Batches sent ahead of the one being prepared. */
const IN_FLIGHT = 2;

// Characters COPY's text format escapes.
const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value as a field of COPY's text format (\N for null). */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  const s = String(v);
  if (!COPY_SPECIAL.test(s)) return s;
  return s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function pgTime(ms: number): string {
  return new Date(ms).toISOString();
}

export class PgBulkWriter implements BulkWriter {
  readonly provider = "postgresql" as const;
  private readonly pool: pg.Pool;
  private client: pg.PoolClient | null = null;
  /** Writes sent and not yet confirmed, oldest first (at most IN_FLIGHT). */
  private inflight: Array<Promise<unknown>> = [];
  private readonly now: string;
  private deferred: { indexes: string[]; constraints: Array<{ name: string; def: string }> } | null = null;
  private readonly times = new UtcFormatter("Z");

  constructor(url: string, now: number = Date.now()) {
    // Two connections: the run's transaction, and product lookups that must not wait behind it.
    this.pool = makePgPool(url, 2);
    this.now = pgTime(now);
  }

  private async conn(): Promise<pg.PoolClient> {
    this.client ??= await this.pool.connect();
    return this.client;
  }

  /** Sends a statement without waiting for it; waits for the one before it instead. */
  private async send(sql: string, params: unknown[]): Promise<void> {
    const client = await this.conn();
    await this.enqueue(client.query(sql, params));
  }

  /** Tracks `next` as a write in flight; waits while more than IN_FLIGHT are outstanding. */
  private async enqueue(next: Promise<unknown>): Promise<void> {
    next.catch(() => {}); // observed when waited for below or by flush()
    this.inflight.push(next);
    while (this.inflight.length > IN_FLIGHT) await this.inflight.shift();
  }

  private async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    await this.flush();
    const client = await this.conn();
    return (await client.query<T>(sql, params)).rows;
  }

  async flush(): Promise<void> {
    while (this.inflight.length) await this.inflight.shift();
  }

  /**
   * A query on the second connection, outside the run's transaction: for products, which an
   * events or judgements run never writes, so it sees them as committed, without waiting for
   * the writes in flight. (A product deleted meanwhile fails the foreign key at the latest at commit.)
   */
  private async lookup<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  async begin(): Promise<void> {
    await this.query("BEGIN");
    // Index rebuilds after a deferred load sort in memory up to this much.
    await this.query("SET LOCAL maintenance_work_mem = '256MB'");
  }

  async commit(): Promise<void> {
    await this.query("COMMIT");
  }

  async rollback(): Promise<void> {
    if (!this.client) return;
    for (const pending of this.inflight.splice(0)) await pending.catch(() => {});
    await this.client.query("ROLLBACK");
  }

  async close(): Promise<void> {
    this.client?.release();
    this.client = null;
    await this.pool.end();
  }

  async existingProducts(ids: readonly string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const sql = `SELECT id FROM "Product" WHERE id = ANY($1::text[])`;
    // Once the Event foreign keys are dropped, the run's transaction holds a lock on "Product"
    // that a query on the second connection would wait for until commit, which never comes
    // while this waits: ask inside the transaction then.
    const rows = this.deferred
      ? await this.query<{ id: string }>(sql, [ids])
      : await this.lookup<{ id: string }>(sql, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async productIds(limit: number): Promise<Set<string> | null> {
    const rows = await this.query<{ id: string }>(`SELECT id FROM "Product" LIMIT $1`, [limit + 1]);
    return rows.length > limit ? null : new Set(rows.map((r) => r.id));
  }

  async productHashes(ids: readonly string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.query<{ id: string; rowHash: string }>(
      `SELECT id, "rowHash" FROM "Product" WHERE id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.rowHash]));
  }

  async readProduct(id: string): Promise<Record<string, unknown> | null> {
    const rows = await this.query<Record<string, unknown>>(`SELECT * FROM "Product" WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async upsertProducts(rows: readonly ProductRecord[], runId: string | null): Promise<void> {
    if (!rows.length) return;
    const col = <K extends keyof ProductRecord>(k: K) => rows.map((r) => r[k]);
    await this.send(
      `INSERT INTO "Product" (id, title, description, brand, category, price, currency, stock, attributes,
         "imageUrl", language, "rowHash", "ingestRunId", "createdAt", "updatedAt")
       SELECT id, title, description, brand, category, price, currency, stock, attributes::jsonb,
         "imageUrl", language, "rowHash", $13, $14::timestamp, $14::timestamp
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[],
         $8::int4[], $9::text[], $10::text[], $11::text[], $12::text[])
         AS x(id, title, description, brand, category, price, currency, stock, attributes, "imageUrl", language, "rowHash")
       ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
         brand = excluded.brand, category = excluded.category, price = excluded.price,
         currency = excluded.currency, stock = excluded.stock, attributes = excluded.attributes,
         "imageUrl" = excluded."imageUrl", language = excluded.language, "rowHash" = excluded."rowHash",
         "ingestRunId" = excluded."ingestRunId", "updatedAt" = excluded."updatedAt"`,
      [
        col("id"),
        col("title"),
        col("description"),
        col("brand"),
        col("category"),
        col("price"),
        col("currency"),
        col("stock"),
        col("attributes"),
        col("imageUrl"),
        col("language"),
        col("rowHash"),
        runId,
        this.now,
      ],
    );
  }

  async insertUsers(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.send(
      `INSERT INTO "User" (id, "createdAt") SELECT id, $2::timestamp FROM unnest($1::text[]) AS x(id)
       ON CONFLICT (id) DO NOTHING`,
      [ids, this.now],
    );
  }

  async insertEvents(rows: readonly EventValues[], runId: string): Promise<void> {
    if (!rows.length) return;
    const tail = `\t${copyField(runId)}\t${this.now}\n`;
    const fmt = this.times;
    let text = "";
    for (const v of rows) {
      text += `${copyField(v[0])}\t${copyField(v[1])}\t${copyField(v[2])}\t${v[3]}\t${fmt.format(v[4] as number)}\t${copyField(v[5])}\t${copyField(v[6])}\t${copyField(v[7])}${tail}`;
    }
    const client = await this.conn();
    const copy = client.query(
      copyFrom(
        `COPY "Event" ("userId", "sessionId", "productId", type, "timestamp", query, price, quantity, "ingestRunId", "receivedAt") FROM STDIN`,
      ),
    );
    await this.enqueue(pipeline(Readable.from([text]), copy));
  }

  async upsertJudgements(rows: readonly JudgementRecord[], runId: string): Promise<void> {
    if (!rows.length) return;
    await this.send(
      `INSERT INTO "Judgement" (query, "productId", relevance, "ingestRunId")
       SELECT qy, p, r, $4 FROM unnest($1::text[], $2::text[], $3::float8[]) AS x(qy, p, r)
       ON CONFLICT (query, "productId") DO UPDATE SET relevance = excluded.relevance,
         "ingestRunId" = excluded."ingestRunId"`,
      [rows.map((r) => r.query), rows.map((r) => r.productId), rows.map((r) => r.relevance), runId],
    );
  }

  async insertQuarantine(rows: readonly QuarantineEntry[], runId: string): Promise<void> {
    if (!rows.length) return;
    await this.send(
      `INSERT INTO "QuarantineRow" ("runId", "rowNumber", raw, field, "check", reason)
       SELECT $6, n, r, f, c, why FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[], $5::text[])
         AS x(n, r, f, c, why)`,
      [
        rows.map((r) => r.rowNumber),
        rows.map((r) => r.raw),
        rows.map((r) => r.field),
        rows.map((r) => r.check),
        rows.map((r) => r.reason),
        runId,
      ],
    );
  }

  async eventCount(): Promise<number> {
    const rows = await this.query<{ n: string }>(
      `SELECT GREATEST(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = '"Event"'::regclass`,
    );
    const estimate = Number(rows[0]?.n ?? 0);
    if (estimate > 0) return estimate;
    const counted = await this.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM "Event" LIMIT 1000000) t`,
    );
    return Number(counted[0]?.n ?? 0);
  }

  async deferEventIndexes(): Promise<void> {
    if (this.deferred) return;
    const indexes = await this.query<{ name: string; def: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
       WHERE x.indrelid = '"Event"'::regclass AND NOT x.indisprimary`,
    );
    const constraints = await this.query<{ name: string; def: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE conrelid = '"Event"'::regclass AND contype = 'f'`,
    );
    for (const c of constraints) await this.query(`ALTER TABLE "Event" DROP CONSTRAINT ${q(c.name)}`);
    for (const i of indexes) await this.query(`DROP INDEX ${q(i.name)}`);
    this.deferred = { indexes: indexes.map((i) => i.def), constraints };
  }

  async restoreEventIndexes(): Promise<void> {
    if (!this.deferred) return;
    for (const def of this.deferred.indexes) await this.query(def);
    // Re-adding a foreign key checks every row in one pass, so nothing unchecked gets in.
    for (const c of this.deferred.constraints)
      await this.query(`ALTER TABLE "Event" ADD CONSTRAINT ${q(c.name)} ${c.def}`);
    this.deferred = null;
  }

  async completeRun(runId: string, update: RunUpdate): Promise<void> {
    await this.query(
      `UPDATE "IngestRun" SET status = $1, "inputRows" = $2, accepted = $3, quarantined = $4, stats = $5::jsonb,
         error = $6, "finishedAt" = $7::timestamp WHERE id = $8`,
      [
        update.status,
        update.inputRows,
        update.accepted,
        update.quarantined,
        JSON.stringify(update.stats),
        update.error,
        pgTime(Date.now()),
        runId,
      ],
    );
  }
}
