/**
 * Where checked rows go, per kind: the duplicate rules, the references to products, and the
 * writes. Duplicate rules (docs/ingest.md):
 * - products (key item_id) and judgements (key query + item_id): a repeated key keeps the LAST
 *   row of the file (a later row is a later edit); each earlier row is quarantined as
 *   `duplicate` (identical to the kept one) or `superseded` (different), with its canonical values.
 * - events: a row identical in every field to an earlier accepted row is quarantined as
 *   `duplicate`; the first is kept. Events that merely look alike (same item twice) are kept.
 * Every rejected row is counted once, so input rows = accepted + quarantined.
 */
import { EVENTS, fieldIndex, JUDGEMENTS, PRODUCTS } from "../contracts/index.js";
import type { CheckedBatch } from "./checked.js";
import { RowMemory } from "./dedupe.js";
import { productJson, productRecord } from "./records.js";
import { rawJson, type SourceBatch } from "./source.js";
import {
  type BulkWriter,
  type EventValues,
  type JudgementRecord,
  type ProductRecord,
  type QuarantineEntry,
} from "./writers/types.js";

export type DeferIndexes = "auto" | "always" | "never";

/** Most product ids a large events run loads into memory at once (about 100 bytes each). */
const PRELOAD_PRODUCTS = 2_000_000;

/** Runs of fewer events than this keep the Event indexes (and foreign keys) in place. */
const DEFER_AFTER_ROWS = 100_000;

export interface Sink {
  /** Rows accepted so far (rows quarantined later by a duplicate rule are taken back). */
  readonly accepted: number;
  /** Writes a checked batch; adds its own rejects to `quarantine`. */
  write(batch: SourceBatch, checked: CheckedBatch, quarantine: QuarantineEntry[]): Promise<void>;
  /** Work left before commit (rebuilding deferred indexes). */
  finish(): Promise<void>;
  /** Counts per duplicate rule. */
  duplicates(): Record<string, number>;
  stats(): Record<string, unknown>;
}

/** Looks up product ids in the catalog once each, remembering the answers for the run. */
class ProductLookup {
  private known = new Set<string>();
  private readonly unknown = new Set<string>();
  /** True once `known` holds every product, so no id needs asking about. */
  private complete = false;

  constructor(private readonly writer: BulkWriter) {}

  /** Loads every product id when the catalog has at most `limit`; afterwards nothing is queried. */
  async preload(limit: number): Promise<void> {
    const all = await this.writer.productIds(limit);
    if (!all) return;
    this.known = all;
    this.complete = true;
  }

  /** Ids among `ids` that are not products; queries only ids not asked about before. */
  async missing(ids: Iterable<string>): Promise<Set<string>> {
    const ask: string[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      if (this.complete) {
        if (!this.known.has(id)) this.unknown.add(id);
      } else if (!this.known.has(id) && !this.unknown.has(id) && !seen.has(id)) {
        seen.add(id);
        ask.push(id);
      }
    }
    if (ask.length) {
      const found = await this.writer.existingProducts(ask);
      for (const id of ask) (found.has(id) ? this.known : this.unknown).add(id);
    }
    return this.unknown;
  }
}

const EV = fieldIndex(EVENTS);

export class EventsSink implements Sink {
  accepted = 0;
  private readonly memory = new RowMemory();
  private readonly users = new Set<string>();
  private readonly lookup: ProductLookup;
  private dupes = 0;
  private usersCreated = 0;
  private written = 0;
  private deferred = false;
  private decided = false;

  constructor(
    private readonly writer: BulkWriter,
    private readonly runId: string,
    private readonly defer: DeferIndexes,
    private readonly eventsBefore: number,
    /** About how many rows the file holds (from its size), to decide on deferring before the first write. */
    private readonly expectedRows: number,
  ) {
    this.lookup = new ProductLookup(writer);
  }

  async write(batch: SourceBatch, checked: CheckedBatch, quarantine: QuarantineEntry[]): Promise<void> {
    const { values, index } = checked;
    const items: string[] = [];
    for (const v of values) {
      const item = v[EV.item_id!];
      if (typeof item === "string") items.push(item);
    }
    const missing = await this.lookup.missing(items);
    const out: EventValues[] = [];
    const newUsers: string[] = [];
    await this.maybeDefer();
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      const number = batch.numbers[index[k]!]!;
      const item = v[EV.item_id!] as string | null;
      if (item !== null && missing.has(item)) {
        quarantine.push({
          rowNumber: number,
          raw: rawJson(batch.columns, batch.rows[index[k]!]!),
          field: "item_id",
          check: "reference",
          reason: `item_id: ${JSON.stringify(item)} is not a product in the catalog`,
        });
        continue;
      }
      const first = this.memory.firstRowOf(v, number);
      if (first !== 0) {
        this.dupes++;
        quarantine.push({
          rowNumber: number,
          raw: rawJson(batch.columns, batch.rows[index[k]!]!),
          field: "_record",
          check: "duplicate",
          reason: `duplicate: identical to row ${first} (kept)`,
        });
        continue;
      }
      const user = v[EV.user_id!] as string;
      if (!this.users.has(user)) {
        this.users.add(user);
        newUsers.push(user);
      }
      out.push(v);
    }
    if (newUsers.length) {
      await this.writer.insertUsers(newUsers);
      this.usersCreated += newUsers.length;
    }
    await this.writer.insertEvents(out, this.runId);
    this.accepted += out.length;
    this.written += out.length;
    await this.maybeDefer();
  }

  /**
   * When the run is large (DEFER_AFTER_ROWS events, expected from the file's size or written
   * already) and a sizeable part of the table, the Event indexes are dropped for the rest of
   * the run and rebuilt before commit: one sort beats millions of scattered index inserts, and
   * on PostgreSQL one join checks the foreign keys instead of two lookups per row.
   */
  private async maybeDefer(): Promise<void> {
    if (this.decided || this.defer === "never") return;
    const size = Math.max(this.expectedRows, this.written);
    if (this.defer === "auto" && (size < DEFER_AFTER_ROWS || size * 4 < this.eventsBefore)) return;
    this.decided = true;
    // Product lookups after this point would wait behind the writes in flight (PostgreSQL locks
    // "Product" once the foreign keys go): read the ids once now, while that is cheap.
    await this.lookup.preload(PRELOAD_PRODUCTS);
    await this.writer.deferEventIndexes();
    this.deferred = true;
  }

  async finish(): Promise<void> {
    if (this.deferred) await this.writer.restoreEventIndexes();
  }

  duplicates(): Record<string, number> {
    return { duplicate: this.dupes };
  }

  stats(): Record<string, unknown> {
    return { usersSeen: this.users.size, usersOffered: this.usersCreated, deferredIndexes: this.deferred };
  }
}

const PR = fieldIndex(PRODUCTS);

/** A stored product (database column names) in canonical field names. */
function storedAsCanonical(row: Record<string, unknown>): string {
  const attrs = row.attributes;
  return JSON.stringify({
    item_id: row.id,
    title: row.title,
    description: row.description ?? null,
    brand: row.brand ?? null,
    category: row.category ?? null,
    price: row.price ?? null,
    currency: row.currency ?? null,
    stock: row.stock ?? null,
    attributes: typeof attrs === "string" ? JSON.parse(attrs) : (attrs ?? null),
    image_url: row.imageUrl ?? null,
    language: row.language ?? null,
  });
}

type Status = "inserted" | "updated" | "unchanged";
type Seen = {
  row: number;
  prior: string | null;
  current: string | null;
  status: Status;
  json: string | null;
};

export class ProductsSink implements Sink {
  accepted = 0;
  private readonly seen = new Map<string, Seen>();
  private readonly counts: Record<Status, number> = { inserted: 0, updated: 0, unchanged: 0 };
  private readonly dupes = { duplicate: 0, superseded: 0 };

  constructor(
    private readonly writer: BulkWriter,
    private readonly runId: string,
  ) {}

  async write(batch: SourceBatch, checked: CheckedBatch, quarantine: QuarantineEntry[]): Promise<void> {
    const { values, index } = checked;
    const fresh = values.map((v) => v[PR.item_id!] as string).filter((id) => !this.seen.has(id));
    const prior = await this.writer.productHashes([...new Set(fresh)]);
    const pending = new Map<string, ProductRecord>();
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      const json = productJson(v);
      const rec = productRecord(v, json);
      const number = batch.numbers[index[k]!]!;
      const before = this.seen.get(rec.id);
      let entry: Seen;
      if (before) {
        // Within this batch the earlier row's values are at hand; from an earlier batch they are in the table.
        const earlier =
          before.json ?? storedAsCanonical((await this.writer.readProduct(rec.id)) ?? { id: rec.id });
        const same = before.current === rec.rowHash;
        const check = same ? "duplicate" : "superseded";
        this.dupes[check]++;
        quarantine.push({
          rowNumber: before.row,
          raw: earlier,
          field: "item_id",
          check,
          reason: same
            ? `duplicate: identical to row ${number} (kept)`
            : `superseded: item_id ${JSON.stringify(rec.id)} repeated; row ${number} wins (last row wins)`,
        });
        this.counts[before.status]--;
        this.accepted--;
        entry = before;
      } else {
        const p = prior.get(rec.id) ?? null;
        entry = { row: 0, prior: p, current: p, status: "inserted", json: null };
        this.seen.set(rec.id, entry);
      }
      entry.row = number;
      entry.json = json;
      entry.status =
        entry.prior === null ? "inserted" : entry.prior === rec.rowHash ? "unchanged" : "updated";
      this.counts[entry.status]++;
      this.accepted++;
      if (entry.current !== rec.rowHash) pending.set(rec.id, rec);
      else pending.delete(rec.id);
    }
    await this.writer.upsertProducts([...pending.values()], this.runId);
    for (const rec of pending.values()) this.seen.get(rec.id)!.current = rec.rowHash;
    // Values of this batch's rows are dropped: a repeat in a later batch reads them back.
    for (const v of values) {
      const s = this.seen.get(v[PR.item_id!] as string);
      if (s) s.json = null;
    }
  }

  async finish(): Promise<void> {}

  duplicates(): Record<string, number> {
    return { ...this.dupes };
  }

  stats(): Record<string, unknown> {
    return { products: { ...this.counts } };
  }
}

const JU = fieldIndex(JUDGEMENTS);

export class JudgementsSink implements Sink {
  accepted = 0;
  private readonly lookup: ProductLookup;
  private readonly seen = new Map<string, { row: number; relevance: number }>();
  private readonly dupes = { duplicate: 0, superseded: 0 };

  constructor(
    private readonly writer: BulkWriter,
    private readonly runId: string,
  ) {
    this.lookup = new ProductLookup(writer);
  }

  async write(batch: SourceBatch, checked: CheckedBatch, quarantine: QuarantineEntry[]): Promise<void> {
    const { values, index } = checked;
    const missing = await this.lookup.missing(values.map((v) => v[JU.item_id!] as string));
    const pending = new Map<string, JudgementRecord>();
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      const number = batch.numbers[index[k]!]!;
      const query = v[JU.query!] as string;
      const item = v[JU.item_id!] as string;
      const relevance = v[JU.relevance!] as number;
      if (missing.has(item)) {
        quarantine.push({
          rowNumber: number,
          raw: rawJson(batch.columns, batch.rows[index[k]!]!),
          field: "item_id",
          check: "reference",
          reason: `item_id: ${JSON.stringify(item)} is not a product in the catalog`,
        });
        continue;
      }
      const key = `${query}\u0000${item}`;
      const before = this.seen.get(key);
      if (before) {
        const check = before.relevance === relevance ? "duplicate" : "superseded";
        this.dupes[check]++;
        quarantine.push({
          rowNumber: before.row,
          raw: JSON.stringify({ query, item_id: item, relevance: before.relevance }),
          field: "query+item_id",
          check,
          reason:
            check === "duplicate"
              ? `duplicate: identical to row ${number} (kept)`
              : `superseded: query + item_id repeated; row ${number} wins (last row wins)`,
        });
        this.accepted--;
      }
      this.seen.set(key, { row: number, relevance });
      this.accepted++;
      pending.set(key, { query, productId: item, relevance });
    }
    await this.writer.upsertJudgements([...pending.values()], this.runId);
  }

  async finish(): Promise<void> {}

  duplicates(): Record<string, number> {
    return { ...this.dupes };
  }

  stats(): Record<string, unknown> {
    return {};
  }
}
