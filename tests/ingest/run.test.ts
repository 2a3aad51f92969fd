import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SourceError } from "../../src/errors.js";
import { ingestFile } from "../../src/ingest/index.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { counts, scratchDir, settingsFor, writeFile } from "./helpers.js";

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");

const PRODUCTS = "sku,name,price,colour\np1,Red shoe,$19.99,red\np2,Blue mug,4.50,blue\np3,台灯,¥30,\n";

describe.each(PROVIDERS)("ingestFile on %s", (provider) => {
  let catalog: TestCatalog;
  let dir: string;
  beforeEach(async () => {
    catalog = await testCatalog(provider);
    dir = scratchDir();
  });
  afterEach(async () => {
    await catalog.drop();
  });

  const ingest = (
    kind: "products" | "events" | "judgements",
    file: string,
    extra: Record<string, unknown> = {},
  ) => ingestFile(catalog, settingsFor(catalog), { kind, file, ...extra });

  const quarantine = (run: string) =>
    catalog.prisma.quarantineRow.findMany({ where: { runId: run }, orderBy: { rowNumber: "asc" } });

  it("maps aliases, folds extra columns into attributes, and records the run", async () => {
    const report = await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    expect(report).toMatchObject({
      kind: "products",
      format: "csv",
      status: "COMPLETED",
      inputRows: 3,
      accepted: 3,
      quarantined: 0,
    });
    const p1 = await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p1" } });
    expect(p1).toMatchObject({
      title: "Red shoe",
      price: 19.99,
      currency: "USD",
      attributes: { colour: "red" },
      language: "en",
    });
    expect(p1.rowHash).toMatch(/^[0-9a-f]{64}$/);
    const p3 = await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p3" } });
    expect([p3.currency, p3.language, p3.attributes]).toEqual(["CNY", "zh", null]);
    const run = await catalog.prisma.ingestRun.findUniqueOrThrow({ where: { id: report.run } });
    expect(run).toMatchObject({
      status: "COMPLETED",
      inputRows: 3,
      accepted: 3,
      quarantined: 0,
      kind: "products",
    });
    expect(run.finishedAt).not.toBeNull();
    const stats = run.stats as Record<string, Record<string, unknown>>;
    expect(stats.mapping).toMatchObject({ item_id: "sku", title: "name", price: "price" });
    expect(stats.products).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    expect(Object.keys(stats.seconds!)).toEqual(expect.arrayContaining(["read", "check", "write", "commit"]));
  });

  it("reads a column named by --map", async () => {
    const file = writeFile(dir, "p.csv", "code,label\np1,Lamp\n");
    await expect(ingest("products", file)).rejects.toThrow(
      /required column\(s\) item_id, title not found; the file has columns code, label/,
    );
    const report = await ingest("products", file, { map: { code: "item_id", label: "title" } });
    expect(report.accepted).toBe(1);
    await expect(ingest("products", file, { map: { code: "sku" } })).rejects.toThrow(
      /"sku" is not a field of products/,
    );
    await expect(ingest("products", file, { map: { nope: "title" } })).rejects.toThrow(
      /has no column "nope"/,
    );
  });

  it("refuses a file missing required columns before writing anything", async () => {
    const file = writeFile(dir, "e.csv", "user_id,item_id\nu1,p1\n");
    const err = await ingest("events", file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).message).toMatch(/required column\(s\) event_type, timestamp not found/);
    expect(await counts(catalog)).toEqual({
      products: 0,
      events: 0,
      judgements: 0,
      users: 0,
      quarantine: 0,
      runs: 0,
    });
  });

  it("refuses an unknown path, an unknown format and a kind the format lacks", async () => {
    await expect(ingest("events", path.join(dir, "missing.csv"))).rejects.toThrow(/does not exist/);
    const file = writeFile(dir, "e.csv", "a\n1\n");
    await expect(ingest("events", file, { format: "xlsx" })).rejects.toThrow(/unknown format "xlsx"/);
    await expect(ingest("events", writeFile(dir, "e.txt", "a\n1\n"))).rejects.toThrow(
      /cannot tell the format/,
    );
    expect((await counts(catalog)).runs).toBe(0);
  });

  it("rolls back every row of a run that fails mid-file and marks it FAILED", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `u${i},p${(i % 2) + 1},view,${1_700_000_000 + i},${i % 7 ? "" : "bad"}`,
    );
    const whole = writeFile(
      dir,
      "e.csv",
      `user_id,item_id,event_type,timestamp,price\n${rows.join("\n")}\n`,
      true,
    );
    const bytes = readFileSync(whole);
    const cut = writeFile(dir, "cut.csv.gz", bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const before = await counts(catalog);
    const err = await ingest("events", cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/corrupt or truncated.*no rows were written/);
    const after = await counts(catalog);
    expect(after).toEqual({ ...before, runs: (before.runs ?? 0) + 1 });
    const run = await catalog.prisma.ingestRun.findFirstOrThrow({ where: { kind: "events" } });
    expect(run).toMatchObject({ status: "FAILED", inputRows: 0, accepted: 0, quarantined: 0 });
    expect(run.error).toMatch(/corrupt or truncated/);
    expect((run.stats as { rowsReadBeforeFailure: number }).rowsReadBeforeFailure).toBeGreaterThan(100);
  });

  it("quarantines each bad event with its field, check, reason and raw row", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    const file = writeFile(
      dir,
      "e.csv",
      [
        "user,product_id,type,ts,q,price,qty",
        "u1,p1,view,2026-01-01T10:00:00Z,,,", // 1 ok
        "u1,,view,2026-01-01T10:00:01Z,,,", // 2 item_id missing
        "u1,p1,teleport,2026-01-01T10:00:02Z,,,", // 3 unknown event type
        "u1,p1,view,yesterday,,,", // 4 bad timestamp
        "u1,p1,view,2999-01-01T00:00:00Z,,,", // 5 future
        "u1,p1,purchase,2026-01-01T10:00:05Z,,twelve,1", // 6 price not a number
        "u1,p1,purchase,2026-01-01T10:00:06Z,,-5,1", // 7 negative price
        "u1,p1,purchase,2026-01-01T10:00:07Z,,5,0.5", // 8 quantity not an integer
        "u2,,search,2026-01-01T10:00:08Z,,,", // 9 search without query
        "u2,nope,click,2026-01-01T10:00:09Z,,,", // 10 unknown product
        "u1,p1,view,2026-01-01T10:00:00Z,,,", // 11 duplicate of 1
        "u2,,search,2026-01-01T10:00:11Z,red  shoes,,", // 12 ok
        "u3,p2,buy,1767261612,,$12.50,2", // 13 ok (alias, epoch seconds, price with symbol)
        "short,row", // 14 wrong field count
      ].join("\n"),
    );
    const report = await ingest("events", file);
    expect(report).toMatchObject({
      inputRows: 14,
      accepted: 3,
      quarantined: 11,
      duplicates: { duplicate: 1 },
    });
    const q = await quarantine(report.run);
    expect(q.map((r) => [r.rowNumber, r.field, r.check])).toEqual([
      [2, "item_id", "missing"],
      [3, "event_type", "unknown_value"],
      [4, "timestamp", "bad_timestamp"],
      [5, "timestamp", "future_timestamp"],
      [6, "price", "not_a_number"],
      [7, "price", "out_of_range"],
      [8, "quantity", "not_an_integer"],
      [9, "query", "missing"],
      [10, "item_id", "reference"],
      [11, "_record", "duplicate"],
      [14, "_record", "bad_record"],
    ]);
    expect(q[0]!.reason).toBe("item_id: required for view events");
    expect(q[8]!.reason).toBe('item_id: "nope" is not a product in the catalog');
    expect(q[9]!.reason).toBe("duplicate: identical to row 1 (kept)");
    expect(JSON.parse(q[4]!.raw)).toEqual({
      user: "u1",
      product_id: "p1",
      type: "purchase",
      ts: "2026-01-01T10:00:05Z",
      q: "",
      price: "twelve",
      qty: "1",
    });
    const events = await catalog.prisma.event.findMany({ orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.userId, e.productId, e.type, e.query, e.price, e.quantity])).toEqual([
      ["u1", "p1", "view", null, null, null],
      ["u2", null, "search", "red shoes", null, null],
      ["u3", "p2", "purchase", null, 12.5, 2],
    ]);
    expect(events[2]!.timestamp.toISOString()).toBe("2026-01-01T10:00:12.000Z");
    expect(events.every((e) => e.ingestRunId === report.run)).toBe(true);
    expect((await catalog.prisma.user.findMany({ orderBy: { id: "asc" } })).map((u) => u.id)).toEqual([
      "u1",
      "u2",
      "u3",
    ]);
  });

  it("keeps the last of repeated products, across batches too, and counts the rule", async () => {
    const rows = ["item_id,title,price"];
    for (let i = 1; i <= 250; i++) rows.push(`p${i},Item ${i},${i}`);
    rows.push("p1,Item 1,1"); // identical to row 1, after two batches: duplicate
    rows.push("p2,Item two,2"); // differs from row 2: superseded
    rows.push("p2,Item two again,2"); // supersedes the previous line in the same batch
    const report = await ingest("products", writeFile(dir, "p.csv", `${rows.join("\n")}\n`));
    expect(report).toMatchObject({
      inputRows: 253,
      accepted: 250,
      quarantined: 3,
      duplicates: { duplicate: 1, superseded: 2 },
    });
    const q = await quarantine(report.run);
    expect(q.map((r) => [r.rowNumber, r.check])).toEqual([
      [1, "duplicate"],
      [2, "superseded"],
      [252, "superseded"],
    ]);
    expect(JSON.parse(q[1]!.raw)).toMatchObject({ item_id: "p2", title: "Item 2", price: 2 });
    expect(q[1]!.reason).toBe('superseded: item_id "p2" repeated; row 252 wins (last row wins)');
    expect(JSON.parse(q[2]!.raw)).toMatchObject({ item_id: "p2", title: "Item two" });
    expect((await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p2" } })).title).toBe(
      "Item two again",
    );
    expect(await catalog.prisma.product.count()).toBe(250);
  });

  it("counts unchanged and updated products on a second ingest", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    const first = await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p1" } });
    const second = await ingest(
      "products",
      writeFile(dir, "p2.csv", PRODUCTS.replace("Blue mug", "Green mug")),
    );
    const run = await catalog.prisma.ingestRun.findUniqueOrThrow({ where: { id: second.run } });
    expect((run.stats as { products: unknown }).products).toEqual({ inserted: 0, updated: 1, unchanged: 2 });
    const again = await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p1" } });
    expect(again.ingestRunId).toBe(first.ingestRunId);
    expect((await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p2" } })).ingestRunId).toBe(
      second.run,
    );
  });

  it("checks judgements' products and keeps the last grade of a repeated pair", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    const file = writeFile(
      dir,
      "j.csv",
      "search_term,product_uid,relevance\nred shoe,p1,3\nred shoe,zz,2\nred  shoe,p1,2.5\nmug,p2,9000\n",
    );
    const report = await ingest("judgements", file);
    expect(report).toMatchObject({
      inputRows: 4,
      accepted: 1,
      quarantined: 3,
      duplicates: { superseded: 1, duplicate: 0 },
    });
    expect((await quarantine(report.run)).map((r) => [r.rowNumber, r.check])).toEqual([
      [1, "superseded"],
      [2, "reference"],
      [4, "out_of_range"],
    ]);
    expect(
      await catalog.prisma.judgement.findMany({ select: { query: true, productId: true, relevance: true } }),
    ).toEqual([{ query: "red shoe", productId: "p1", relevance: 2.5 }]);
  });

  it("reads JSON Lines, Parquet and gzip'd CSV into the same rows", async () => {
    await ingest("products", path.join(FIXTURES, "products.zstd.parquet"));
    expect((await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p1" } })).attributes).toEqual({
      color: "red",
      size: "42",
    });
    const parquet = await ingest("events", path.join(FIXTURES, "events.parquet"), {
      map: { user: "user_id" },
    });
    expect(parquet).toMatchObject({ format: "parquet", inputRows: 5, accepted: 4, quarantined: 1 });
    const jsonl = writeFile(
      dir,
      "e.jsonl",
      '{"user_id":"j1","item_id":"p1","event_type":"view","timestamp":1767261600}\n{"user_id":"j1","item_id":"p1","event_type":"view","timestamp":"oops"}\n',
    );
    expect(await ingest("events", jsonl)).toMatchObject({ format: "jsonl", accepted: 1, quarantined: 1 });
    const gz = writeFile(
      dir,
      "e.csv.gz",
      "user_id,item_id,event_type,timestamp\ng1,p2,click,2026-01-01\n",
      true,
    );
    expect(await ingest("events", gz)).toMatchObject({ format: "csv", accepted: 1, quarantined: 0 });
    expect(await catalog.prisma.event.count()).toBe(6);
  });

  it("maps a JSON Lines key that first appears in a later batch", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    // Over 1 MiB, so the last line is read after the first batch fixed the columns.
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({ user_id: `u${i}`, item_id: "p1", event_type: "view", timestamp: 1_767_261_600 + i }),
    );
    lines.push(
      JSON.stringify({
        user_id: "late",
        item_id: "p1",
        event_type: "purchase",
        timestamp: 1_767_000_000,
        price: 7,
      }),
    );
    const report = await ingestFile(catalog, settingsFor(catalog, { ingestChunkRows: 5_000 }), {
      kind: "events",
      file: writeFile(dir, "e.jsonl", `${lines.join("\n")}\n`),
    });
    expect(report.accepted).toBe(20_001);
    expect((await catalog.prisma.event.findFirstOrThrow({ where: { userId: "late" } })).price).toBe(7);
  });

  it("looks up products first seen after the Event indexes were deferred", { timeout: 60_000 }, async () => {
    await ingest("products", writeFile(dir, "p.csv", `${PRODUCTS}p4,Lamp,3,\np5,Cup,2,\n`));
    // Chunks of 100 rows: the first names p1-p3 only, later ones p4 and p5 too, whose lookup
    // runs after the indexes and foreign keys were dropped inside the run's transaction.
    const rows = Array.from(
      { length: 400 },
      (_, i) => `u${i % 9},p${i < 100 ? (i % 3) + 1 : (i % 5) + 1},view,${1_767_261_600 + i}`,
    );
    const file = writeFile(dir, "e.csv", `user_id,item_id,event_type,timestamp\n${rows.join("\n")}\n`);
    const report = await ingestFile(
      catalog,
      settingsFor(catalog, { ingestChunkRows: 100 }),
      { kind: "events", file },
      { deferIndexes: "always" },
    );
    expect(report).toMatchObject({ inputRows: 400, accepted: 400, quarantined: 0 });
    expect(await catalog.prisma.event.count({ where: { productId: "p5" } })).toBe(60);
  });

  it("still quarantines unknown products once the Event indexes are deferred", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    const rows = Array.from(
      { length: 300 },
      (_, i) => `u${i},${i % 50 === 49 ? `zz${i}` : "p1"},view,${1_767_261_600 + i}`,
    );
    const file = writeFile(dir, "e.csv", `user_id,item_id,event_type,timestamp\n${rows.join("\n")}\n`);
    const report = await ingestFile(
      catalog,
      settingsFor(catalog),
      { kind: "events", file },
      { deferIndexes: "always" },
    );
    expect(report).toMatchObject({ inputRows: 300, accepted: 294, quarantined: 6 });
    const checks = await catalog.prisma.quarantineRow.groupBy({
      by: ["check"],
      where: { runId: report.run },
      _count: true,
    });
    expect(checks).toEqual([{ check: "reference", _count: 6 }]);
  });

  it("gives the same result with the Event indexes deferred, and rebuilds them", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    const file = writeFile(
      dir,
      "e.csv",
      `user_id,item_id,event_type,timestamp\n${Array.from({ length: 500 }, (_, i) => i % 400)
        .map((k) => `u${k % 9},p${(k % 3) + 1},view,${1_767_261_600 + k}`)
        .join("\n")}\n`,
    );
    const report = await ingestFile(
      catalog,
      settingsFor(catalog),
      { kind: "events", file },
      { deferIndexes: "always" },
    );
    expect(report).toMatchObject({
      inputRows: 500,
      accepted: 400,
      quarantined: 100,
      duplicates: { duplicate: 100 },
    });
    const run = await catalog.prisma.ingestRun.findUniqueOrThrow({ where: { id: report.run } });
    expect((run.stats as { deferredIndexes: boolean }).deferredIndexes).toBe(true);
    const indexes =
      provider === "sqlite"
        ? await catalog.prisma.$queryRawUnsafe<Array<{ name: string }>>(
            `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Event' AND sql IS NOT NULL ORDER BY name`,
          )
        : await catalog.prisma.$queryRawUnsafe<Array<{ name: string }>>(
            `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'Event' AND indexname <> 'Event_pkey' ORDER BY indexname`,
          );
    expect(indexes.map((i) => i.name)).toEqual([
      "Event_idempotencyKey_key",
      "Event_ingestRunId_idx",
      "Event_productId_idx",
      "Event_userId_seq_idx",
    ]);
    if (provider === "postgresql") {
      const fks = await catalog.prisma.$queryRawUnsafe<Array<{ conname: string }>>(
        `SELECT conname FROM pg_constraint WHERE conrelid = '"Event"'::regclass AND contype = 'f' ORDER BY conname`,
      );
      expect(fks.map((f) => f.conname)).toEqual(["Event_productId_fkey", "Event_userId_fkey"]);
    }
    expect(await catalog.prisma.event.count({ where: { userId: "u1" } })).toBeGreaterThan(0);
  });

  it("reports progress after each batch", async () => {
    await ingest("products", writeFile(dir, "p.csv", PRODUCTS));
    const seen: number[] = [];
    const file = writeFile(
      dir,
      "e.csv",
      `user_id,item_id,event_type,timestamp\n${Array.from({ length: 250 }, (_, i) => `u${i},p1,view,${1_767_261_600 + i}`).join("\n")}\n`,
    );
    await ingest("events", file, { onProgress: (p: { rows: number }) => seen.push(p.rows) });
    expect(seen).toEqual([100, 200, 250]);
  });
});
