/**
 * Random, mostly malformed event files: whatever is in them, every input row is either in the
 * catalog or in quarantine (never both, never neither), each quarantine row says what and why,
 * and the rows in the catalog are exactly those the contract accepts (judged row by row with
 * parseEvent, with references and duplicates applied in file order).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRules, parseEvent } from "../../src/contracts/index.js";
import { ingestFile, upsertProducts } from "../../src/ingest/index.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { scratchDir, settingsFor, writeFile } from "./helpers.js";

const COLUMNS = ["user_id", "session_id", "item_id", "event_type", "timestamp", "query", "price", "quantity"];
const PRODUCTS = ["p1", "p2", "p5"];
const NOW = Date.now();

const text = fc.string({ unit: "grapheme", maxLength: 6 });
/** Mostly good values (so that rows pass often enough to test the accepted side), some bad. */
const mix = (good: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad });
const field = {
  user_id: mix(fc.constantFrom("u1", "u2", " u3 ", "ｕ４"), fc.oneof(fc.constantFrom("", "a\tb"), text)),
  session_id: mix(fc.constantFrom("", "s1", "s2"), fc.oneof(fc.constant("s\u0000x"), text)),
  item_id: mix(fc.constantFrom("p1", "p2", "p5", "p１"), fc.oneof(fc.constantFrom("", "zz", "P1"), text)),
  event_type: mix(
    fc.constantFrom("view", "click", "Add to cart", "purchase", "buy"),
    fc.oneof(fc.constantFrom("search", "teleport", ""), text),
  ),
  timestamp: mix(
    fc.oneof(
      fc
        .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2020, 0, 2) })
        .map((t) => new Date(t - (t % 60_000)).toISOString()),
      fc.integer({ min: 1_600_000_000, max: 1_600_000_100 }).map(String),
    ),
    fc.oneof(
      fc.constantFrom("2999-01-01", "yesterday", "", "1985-01-01", "2026-02-30", "1700000000000"),
      text,
    ),
  ),
  query: mix(fc.constantFrom("", "red shoes", "  spaced \n out ", 'a "quoted", text'), text),
  price: mix(
    fc.constantFrom("", "12.5", "$1,299.00", "12,50 €"),
    fc.oneof(fc.constantFrom("-3", "twelve", "1e400"), text),
  ),
  quantity: mix(fc.constantFrom("", "1", "2"), fc.oneof(fc.constantFrom("0", "1.5"), text)),
};

type Row =
  | { kind: "row"; values: string[] }
  | { kind: "short"; values: string[] }
  | { kind: "broken"; values: string[] }
  | { kind: "copy"; of: number };

const values = fc.tuple(...COLUMNS.map((c) => field[c as keyof typeof field]));
const rowArb: fc.Arbitrary<Row> = fc.oneof(
  { weight: 6, arbitrary: values.map((v): Row => ({ kind: "row", values: v })) },
  { weight: 1, arbitrary: values.map((v): Row => ({ kind: "short", values: ["x", ...v.slice(0, 3)] })) },
  { weight: 1, arbitrary: values.map((v): Row => ({ kind: "broken", values: v })) },
  { weight: 2, arbitrary: fc.nat().map((of): Row => ({ kind: "copy", of })) },
);

const csvField = (v: string) => (/[",\r\n]/.test(v) || v.trim() !== v ? `"${v.replace(/"/g, '""')}"` : v);

/** The file's bytes and the values of each record as written. */
function render(rows: Row[]): { bytes: Buffer; records: Array<{ values: string[] | null }> } {
  const parts: Buffer[] = [Buffer.from(`${COLUMNS.join(",")}\n`)];
  const records: Array<{ values: string[] | null }> = [];
  const resolved: Row[] = [];
  for (const row of rows) {
    const r = row.kind === "copy" ? (resolved.length ? resolved[row.of % resolved.length]! : null) : row;
    if (!r || r.kind === "copy") continue;
    resolved.push(r);
    const line = `${r.values.map(csvField).join(",")}`;
    if (r.kind === "broken") {
      parts.push(Buffer.concat([Buffer.from(line), Buffer.from([0xff, 0x0a])]));
      records.push({ values: null });
    } else {
      parts.push(Buffer.from(`${line}\n`));
      records.push({ values: r.kind === "row" ? r.values : null });
    }
  }
  return { bytes: Buffer.concat(parts), records };
}

/** What the catalog must hold after ingesting `records`: canonical tuples, in file order. */
function expected(records: Array<{ values: string[] | null }>): { accepted: string[]; rows: Set<number> } {
  const rules = makeRules({}, NOW);
  const accepted: string[] = [];
  const rows = new Set<number>();
  const seen = new Set<string>();
  records.forEach((rec, i) => {
    if (!rec.values) return;
    const input = Object.fromEntries(COLUMNS.map((c, k) => [c, rec.values![k]]));
    const parsed = parseEvent(input, rules);
    if (!parsed.ok) return;
    const e = parsed.row;
    if (e.item_id !== null && !PRODUCTS.includes(e.item_id)) return;
    const key = tuple(
      e.user_id,
      e.session_id,
      e.item_id,
      e.event_type,
      e.timestamp,
      e.query,
      e.price,
      e.quantity,
    );
    if (seen.has(key)) return;
    seen.add(key);
    accepted.push(key);
    rows.add(i + 1);
  });
  return { accepted, rows };
}

function tuple(...v: unknown[]): string {
  return JSON.stringify(v.map((x) => (x instanceof Date ? x.toISOString() : x)));
}

describe.each(PROVIDERS)("ingest of random malformed events on %s", (provider) => {
  let catalog: TestCatalog;
  beforeAll(async () => {
    catalog = await testCatalog(provider);
    await upsertProducts(
      catalog,
      PRODUCTS.map((id) => ({ id, title: `Product ${id}` })),
      settingsFor(catalog),
    );
  });
  afterAll(async () => {
    await catalog.drop();
  });

  it("puts every row in the catalog or in quarantine, and exactly the valid ones in the catalog", async () => {
    const dir = scratchDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 140, size: "max" }), async (rows) => {
        const { bytes, records } = render(rows);
        const file = writeFile(dir, `e${n++}.csv`, bytes);
        const report = await ingestFile(catalog, settingsFor(catalog), { kind: "events", file });
        expect(report.inputRows).toBe(records.length);
        expect(report.accepted + report.quarantined).toBe(report.inputRows);

        const q = await catalog.prisma.quarantineRow.findMany({ where: { runId: report.run } });
        expect(q).toHaveLength(report.quarantined);
        for (const r of q) {
          expect(r.field).toBeTruthy();
          expect(r.check).toBeTruthy();
          expect(r.reason).toBeTruthy();
          expect(r.raw).toBeTruthy();
          expect(() => JSON.parse(r.raw)).not.toThrow();
        }
        const want = expected(records);
        const quarantined = new Set(q.map((r) => r.rowNumber));
        expect(quarantined.size).toBe(q.length); // no row quarantined twice
        for (let i = 1; i <= records.length; i++) expect(quarantined.has(i)).toBe(!want.rows.has(i));

        const stored = await catalog.prisma.event.findMany({
          where: { ingestRunId: report.run },
          orderBy: { seq: "asc" },
        });
        expect(
          stored.map((e) =>
            tuple(e.userId, e.sessionId, e.productId, e.type, e.timestamp, e.query, e.price, e.quantity),
          ),
        ).toEqual(want.accepted);
        const run = await catalog.prisma.ingestRun.findUniqueOrThrow({ where: { id: report.run } });
        expect(run.inputRows).toBe(run.accepted + run.quarantined);
      }),
      { numRuns: 20, seed: 20261208 },
    );
  });
});
