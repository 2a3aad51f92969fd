/**
 * The writes the GraphQL mutations make: `upsertProducts` and `recordEvents`. Every row passes
 * the same contract checks as a file row; one bad row rejects the whole call (InputError naming
 * `products[i].field` / `events[i].field`) and nothing is written. Each call is one transaction
 * through the catalog's own Prisma connection, with one multi-row statement per table.
 */
import type { Catalog, CatalogClient } from "../catalog/client.js";
import type { Settings } from "../config.js";
import {
  alignObject,
  type CanonicalValues,
  EVENTS,
  extrasAsAttributes,
  fieldIndex,
  type Issue,
  makeRules,
  normaliseId,
  PRODUCTS,
  RowChecker,
  RowIssue,
  type Rules,
  type TableContract,
} from "../contracts/index.js";
import { InputError } from "../errors.js";
import { productJson, productRecord } from "./records.js";
import { sqliteTime } from "./writers/sqlite.js";
import { PRODUCT_COLUMNS, type ProductRecord } from "./writers/types.js";

export type UpsertProductsResult = { inserted: number; updated: number; unchanged: number; ids: string[] };

export type RecordEventsResult = {
  accepted: number;
  duplicates: number;
  events: Array<{ seq: number; idempotencyKey: string | null; duplicate: boolean }>;
};

type Tx = Pick<CatalogClient, "$executeRawUnsafe" | "$queryRawUnsafe">;
type Dialect = {
  pg: boolean;
  /** The placeholder of parameter `n` (1-based), with a cast on PostgreSQL. */
  p(n: number, cast?: string): string;
  time(ms: number): string;
};

function dialect(catalog: Catalog): Dialect {
  const pg = catalog.target.provider === "postgresql";
  return {
    pg,
    p: (n, cast) => (pg ? `$${n}${cast ? `::${cast}` : ""}` : "?"),
    time: (ms) => (pg ? new Date(ms).toISOString() : sqliteTime(ms)),
  };
}

/** Rows per statement, far below both databases' bound-parameter limits. */
const ROWS_PER_STATEMENT = 500;

function rulesFor(settings: Settings): Rules {
  return makeRules({
    maxFutureSeconds: settings.ingestMaxFutureSeconds,
    minYear: settings.ingestMinYear,
    defaultCurrency: settings.defaultCurrency,
  });
}

function checkBatch(list: string, rows: unknown, settings: Settings): unknown[] {
  if (!Array.isArray(rows)) throw new InputError(list, "expected a list");
  if (rows.length > settings.maxBatch)
    throw new InputError(list, `at most ${settings.maxBatch} per call, got ${rows.length}`);
  return rows;
}

/** The InputError for the first issue of row `i`, named with the GraphQL field names. */
function rowError(list: string, i: number, contract: TableContract, issues: Issue[]): InputError {
  const first = issues[0]!;
  const spec = contract.fields.find((f) => f.name === first.field);
  const field = spec ? `${list}[${i}].${spec.graphql}` : `${list}[${i}]`;
  const message = first.reason.startsWith(`${first.field}: `)
    ? first.reason.slice(first.field.length + 2)
    : first.reason;
  return new InputError(field, message, { check: first.check, issues });
}

/** Checks one input object against `contract`; the canonical values, or the InputError. */
function checkRow(
  list: string,
  i: number,
  raw: unknown,
  contract: TableContract,
  checker: RowChecker,
): CanonicalValues {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new InputError(`${list}[${i}]`, "expected an object of field values");
  const aligned = alignObject(contract, raw as Record<string, unknown>);
  const extras =
    contract.extras === "attributes" ? extrasAsAttributes(aligned.extraNames, aligned.extraValues) : null;
  const issues: RowIssue[] = [];
  const result = checker.check(aligned.values, extras, issues);
  const all: Issue[] = [...aligned.issues, ...issues];
  if (all.length || result instanceof RowIssue) throw rowError(list, i, contract, all);
  return result as CanonicalValues;
}

function marks(
  d: Dialect,
  rows: number,
  width: number,
  casts: readonly (string | undefined)[],
  first = 1,
): string {
  const out: string[] = [];
  let n = first;
  for (let r = 0; r < rows; r++) {
    const one: string[] = [];
    for (let c = 0; c < width; c++) one.push(d.p(n++, casts[c]));
    out.push(`(${one.join(", ")})`);
  }
  return out.join(", ");
}

function inList(d: Dialect, count: number): string {
  return Array.from({ length: count }, (_, k) => d.p(k + 1)).join(", ");
}

const PRODUCT_CASTS = [
  "text",
  "text",
  "text",
  "text",
  "text",
  "float8",
  "text",
  "int4",
  "jsonb",
  "text",
  "text",
  "text",
  "text",
  "timestamp",
  "timestamp",
];

async function writeProducts(tx: Tx, d: Dialect, rows: readonly ProductRecord[], now: string): Promise<void> {
  const columns = [...PRODUCT_COLUMNS, "ingestRunId", "createdAt", "updatedAt"];
  const updates = [...PRODUCT_COLUMNS.slice(1), "ingestRunId", "updatedAt"]
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", ");
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const part = rows.slice(start, start + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    for (const r of part)
      params.push(
        r.id,
        r.title,
        r.description,
        r.brand,
        r.category,
        r.price,
        r.currency,
        r.stock,
        r.attributes,
        r.imageUrl,
        r.language,
        r.rowHash,
        null,
        now,
        now,
      );
    await tx.$executeRawUnsafe(
      `INSERT INTO "Product" (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${marks(d, part.length, columns.length, PRODUCT_CASTS)}
       ON CONFLICT (id) DO UPDATE SET ${updates}`,
      ...params,
    );
  }
}

/**
 * Validates every product (any key spelling: canonical, GraphQL or alias) and upserts them by id
 * in one transaction. A repeated id within the call keeps the last. `ids` lists each input's id,
 * in input order. InputError (field `products[i].price` ...) and nothing written if any row fails.
 */
export async function upsertProducts(
  catalog: Catalog,
  rows: unknown[],
  settings: Settings,
): Promise<UpsertProductsResult> {
  const list = checkBatch("products", rows, settings);
  const checker = new RowChecker(PRODUCTS, rulesFor(settings));
  const latest = new Map<string, ProductRecord>();
  const ids: string[] = [];
  list.forEach((raw, i) => {
    const values = checkRow("products", i, raw, PRODUCTS, checker);
    const rec = productRecord(values, productJson(values));
    ids.push(rec.id);
    latest.delete(rec.id); // re-inserted so the map keeps the order of last appearance
    latest.set(rec.id, rec);
  });
  const d = dialect(catalog);
  const now = d.time(Date.now());
  const unique = [...latest.keys()];
  return catalog.prisma.$transaction(async (tx) => {
    const prior = new Map<string, string>();
    for (let start = 0; start < unique.length; start += ROWS_PER_STATEMENT) {
      const part = unique.slice(start, start + ROWS_PER_STATEMENT);
      const found = await tx.$queryRawUnsafe<Array<{ id: string; rowHash: string }>>(
        `SELECT id, "rowHash" FROM "Product" WHERE id IN (${inList(d, part.length)})`,
        ...part,
      );
      for (const r of found) prior.set(r.id, r.rowHash);
    }
    let inserted = 0;
    let updated = 0;
    let unchanged = 0;
    const changed: ProductRecord[] = [];
    for (const rec of latest.values()) {
      const before = prior.get(rec.id);
      if (before === undefined) inserted++;
      else if (before === rec.rowHash) {
        unchanged++;
        continue;
      } else updated++;
      changed.push(rec);
    }
    await writeProducts(tx, d, changed, now);
    return { inserted, updated, unchanged, ids };
  });
}

const EV = fieldIndex(EVENTS);
const EVENT_COLUMNS = [
  "idempotencyKey",
  "userId",
  "sessionId",
  "productId",
  "type",
  "timestamp",
  "query",
  "price",
  "quantity",
  "receivedAt",
];
const EVENT_CASTS = [
  "text",
  "text",
  "text",
  "text",
  "text",
  "timestamp",
  "text",
  "float8",
  "int4",
  "timestamp",
];

/** The idempotency key of input `i`: absent, or text of 1 to 200 characters. */
function idempotencyKey(i: number, raw: Record<string, unknown>): string | null {
  const v = raw.idempotencyKey ?? raw.idempotency_key;
  if (v === undefined || v === null) return null;
  const key = typeof v === "string" ? normaliseId(v) : null;
  if (!key || key.length > 200)
    throw new InputError(`events[${i}].idempotencyKey`, "expected text of 1 to 200 characters");
  return key;
}

/**
 * Validates every event (GraphQL names userId, sessionId, productId, type, timestamp, query,
 * price, quantity, idempotencyKey; canonical names and aliases work too), checks that each
 * product exists, and stores them in ONE transaction that is committed before this returns: on
 * SQLite the catalog runs in WAL mode, where a committed transaction survives the death of the
 * process (synchronous=NORMAL or FULL; only an OS crash or power loss could lose the last
 * commits under NORMAL). An event whose idempotencyKey was seen before, earlier in the catalog
 * or earlier in the same call, is not stored again: it answers with the first one's seq and
 * `duplicate: true`.
 */
export async function recordEvents(
  catalog: Catalog,
  events: unknown[],
  settings: Settings,
): Promise<RecordEventsResult> {
  const list = checkBatch("events", events, settings);
  const checker = new RowChecker(EVENTS, rulesFor(settings));
  const rows: CanonicalValues[] = [];
  const keys: Array<string | null> = [];
  list.forEach((raw, i) => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      throw new InputError(`events[${i}]`, "expected an object of field values");
    const { idempotencyKey: _a, idempotency_key: _b, ...fields } = raw as Record<string, unknown>;
    keys.push(idempotencyKey(i, raw as Record<string, unknown>));
    rows.push(checkRow("events", i, fields, EVENTS, checker));
  });
  const d = dialect(catalog);
  const now = d.time(Date.now());
  return catalog.prisma.$transaction(async (tx) => {
    const items = [
      ...new Set(rows.map((v) => v[EV.item_id!]).filter((x): x is string => typeof x === "string")),
    ];
    const known = new Set<string>();
    for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
      const part = items.slice(start, start + ROWS_PER_STATEMENT);
      const found = await tx.$queryRawUnsafe<Array<{ id: string }>>(
        `SELECT id FROM "Product" WHERE id IN (${inList(d, part.length)})`,
        ...part,
      );
      for (const r of found) known.add(r.id);
    }
    rows.forEach((v, i) => {
      const item = v[EV.item_id!];
      if (typeof item === "string" && !known.has(item))
        throw new InputError(
          `events[${i}].productId`,
          `${JSON.stringify(item)} is not a product in the catalog`,
        );
    });
    const seqOf = await existingKeys(tx, d, keys);
    // Which inputs to store: no key, or a key neither stored before nor earlier in this call.
    const store: number[] = [];
    const firstInCall = new Map<string, number>();
    keys.forEach((key, i) => {
      if (key === null) store.push(i);
      else if (!seqOf.has(key) && !firstInCall.has(key)) {
        firstInCall.set(key, i);
        store.push(i);
      }
    });
    const users = [...new Set(store.map((i) => rows[i]![EV.user_id!] as string))];
    for (let start = 0; start < users.length; start += ROWS_PER_STATEMENT) {
      const part = users.slice(start, start + ROWS_PER_STATEMENT);
      await tx.$executeRawUnsafe(
        `INSERT INTO "User" (id, "createdAt") VALUES ${marks(d, part.length, 2, ["text", "timestamp"])} ON CONFLICT (id) DO NOTHING`,
        ...part.flatMap((u) => [u, now]),
      );
    }
    const seqs = new Map<number, number>();
    for (let start = 0; start < store.length; start += ROWS_PER_STATEMENT) {
      const part = store.slice(start, start + ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      for (const i of part) {
        const v = rows[i]!;
        params.push(
          keys[i],
          v[EV.user_id!],
          v[EV.session_id!],
          v[EV.item_id!],
          v[EV.event_type!],
          d.time(v[EV.timestamp!] as number),
          v[EV.query!],
          v[EV.price!],
          v[EV.quantity!],
          now,
        );
      }
      const returned = await tx.$queryRawUnsafe<
        Array<{ seq: number | bigint; idempotencyKey: string | null }>
      >(
        `INSERT INTO "Event" (${EVENT_COLUMNS.map((c) => `"${c}"`).join(", ")})
         VALUES ${marks(d, part.length, EVENT_COLUMNS.length, EVENT_CASTS)}
         ON CONFLICT ("idempotencyKey") DO NOTHING RETURNING seq, "idempotencyKey"`,
        ...params,
      );
      // Sequence numbers are handed out in VALUES order; rows without a key are never skipped,
      // so their seqs in ascending order belong to them in input order.
      const unkeyed = returned
        .filter((r) => r.idempotencyKey === null)
        .map((r) => Number(r.seq))
        .sort((a, b) => a - b);
      const byKey = new Map(
        returned.filter((r) => r.idempotencyKey !== null).map((r) => [r.idempotencyKey!, Number(r.seq)]),
      );
      let next = 0;
      for (const i of part) {
        const key = keys[i] ?? null;
        if (key === null) seqs.set(i, unkeyed[next++]!);
        else if (byKey.has(key)) seqs.set(i, byKey.get(key)!);
      }
    }
    // A key another call stored meanwhile (ON CONFLICT skipped it) is now visible: answer with it.
    const raced = keys.filter((k, i) => k !== null && store.includes(i) && !seqs.has(i)) as string[];
    if (raced.length) for (const [k, s] of await existingKeys(tx, d, raced)) seqOf.set(k, s);
    let accepted = 0;
    let duplicates = 0;
    const out = keys.map((key, i) => {
      const own = seqs.get(i);
      if (own !== undefined) {
        accepted++;
        return { seq: own, idempotencyKey: key, duplicate: false };
      }
      duplicates++;
      const first = seqOf.get(key!) ?? seqs.get(firstInCall.get(key!)!)!;
      return { seq: first, idempotencyKey: key, duplicate: true };
    });
    return { accepted, duplicates, events: out };
  });
}

async function existingKeys(
  tx: Tx,
  d: Dialect,
  keys: ReadonlyArray<string | null>,
): Promise<Map<string, number>> {
  const wanted = [...new Set(keys.filter((k): k is string => k !== null))];
  const out = new Map<string, number>();
  for (let start = 0; start < wanted.length; start += ROWS_PER_STATEMENT) {
    const part = wanted.slice(start, start + ROWS_PER_STATEMENT);
    const found = await tx.$queryRawUnsafe<Array<{ seq: number | bigint; idempotencyKey: string }>>(
      `SELECT seq, "idempotencyKey" FROM "Event" WHERE "idempotencyKey" IN (${inList(d, part.length)})`,
      ...part,
    );
    for (const r of found) out.set(String(r.idempotencyKey), Number(r.seq));
  }
  return out;
}
