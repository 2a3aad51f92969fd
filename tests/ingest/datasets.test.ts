import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestFile, knownFormats, type ReadOptions } from "../../src/ingest/index.js";
import { resolveFormat } from "../../src/ingest/source.js";
import "../../scripts/datasets/index.js";
import { seqrecEventType } from "../../scripts/datasets/seqrec.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { READ, readAll, scratchDir, settingsFor, writeFile } from "./helpers.js";

const open = (format: string, file: string, kind: ReadOptions["kind"]) =>
  resolveFormat(file, format, kind).open(file, { ...READ, kind });

describe("dataset formats", () => {
  it("are registered beside the generic ones", () => {
    expect(knownFormats().map((f) => f.name)).toEqual(
      expect.arrayContaining(["csv", "tsv", "jsonl", "parquet", "seqrec", "s3rec", "homedepot", "movielens"]),
    );
    expect(() => resolveFormat("x.csv", "homedepot", "events")).toThrow(/cannot produce events/);
  });

  it("seqrec: interactions become events, typed by the dataset's folder", async () => {
    const file = writeFile(
      scratchDir(),
      "interactions.tsv",
      "user_id\titem_id\ttimestamp\n100\t200\t1390000000\n100\tx\t1390000001\n101\t201\t1390000002.0\n101\t202\n",
    );
    const { rows, rejected } = await readAll(await open("seqrec", file, "events"));
    expect(rows).toEqual([
      { user_id: "100", item_id: "200", event_type: "purchase", timestamp: "1390000000" },
      { user_id: "101", item_id: "201", event_type: "purchase", timestamp: "1390000002" },
    ]);
    expect(rejected.map((r) => [r.row, r.field, r.check])).toEqual([
      [2, "item_id", "bad_format"],
      [4, "_record", "bad_record"],
    ]);
    expect(seqrecEventType("/d/amazon2014-beauty/interactions.tsv.gz")).toBe("purchase");
    expect(seqrecEventType("/d/yoochoose-clicks_100000/interactions.tsv.gz")).toBe("view");
    expect(seqrecEventType("/d/ml-1m_seqrecbench/interactions.tsv.gz")).toBe("view");
  });

  it("seqrec items and RecBole item files: typed headers, genres to category and attributes", async () => {
    const file = writeFile(
      scratchDir(),
      "ml-100k.item",
      "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tToy Story\t1995\tAnimation Children\n2\tx\t\t\nbad\tNope\t1999\tDrama\n",
    );
    const { rows, rejected } = await readAll(await open("movielens", file, "products"));
    expect(rows).toEqual([
      {
        item_id: "1",
        title: "Toy Story",
        category: "Animation",
        attributes: { release_year: "1995", genres: "Animation Children" },
      },
      { item_id: "2", title: "x", category: null, attributes: null },
    ]);
    expect(rejected).toMatchObject([{ row: 3, field: "item_id" }]);
  });

  it("s3rec: each item of a user's line is an event, one second apart from 2000-01-01", async () => {
    const file = writeFile(scratchDir(), "Beauty.txt", "1 10 11 10\n2 12\n3\n4 x\n", true);
    const { rows, numbers, rejected } = await readAll(await open("s3rec", file, "events"));
    expect(rows.map((r) => [r.user_id, r.item_id, r.event_type, r.timestamp])).toEqual([
      ["1", "10", "purchase", "946684800"],
      ["1", "11", "purchase", "946684801"],
      ["1", "10", "purchase", "946684802"],
      ["2", "12", "purchase", "946684800"],
    ]);
    expect(numbers).toEqual([1, 1, 1, 2]);
    expect(rejected.map((r) => [r.row, r.field])).toEqual([
      [3, "_record"],
      [4, "item_id"],
    ]);
    await expect(
      open("s3rec", writeFile(scratchDir(), "a.txt", "user_id\titem_id\n1\t2\n"), "events"),
    ).rejects.toThrow(/a header or a TSV/);
  });

  it("homedepot: latin-1 CSV with quoted titles; products of a judgements file once each", async () => {
    const text =
      'id,product_uid,product_title,search_term,relevance\n2,100001,"Simpson \u00e9 Strong-Tie, 12-Gauge",angle bracket,3\n3,100001,"Simpson \u00e9 Strong-Tie, 12-Gauge",l bracket,2.5\n9,100002,"Behr ""Premium""\nTextured",deck over,3\n';
    const file = writeFile(scratchDir(), "train_dev.csv.gz", Buffer.from(text, "latin1"), true);
    const judgements = await readAll(await open("homedepot", file, "judgements"));
    expect(judgements.rows).toEqual([
      { query: "angle bracket", item_id: "100001", relevance: "3" },
      { query: "l bracket", item_id: "100001", relevance: "2.5" },
      { query: "deck over", item_id: "100002", relevance: "3" },
    ]);
    const products = await readAll(await open("homedepot", file, "products"));
    expect(products.rows).toEqual([
      { item_id: "100001", title: "Simpson é Strong-Tie, 12-Gauge" },
      { item_id: "100002", title: 'Behr "Premium"\nTextured' },
    ]);
    await expect(
      open("homedepot", writeFile(scratchDir(), "x.csv", "a,b\n1,2\n"), "products"),
    ).rejects.toThrow(/not a Home Depot products file: no column\(s\) product_uid, product_title/);
  });
});

describe.each(PROVIDERS)("dataset formats into the catalog on %s", (provider) => {
  let catalog: TestCatalog;
  beforeEach(async () => {
    catalog = await testCatalog(provider);
  });
  afterEach(async () => {
    await catalog.drop();
  });

  it("s3rec titles and sequences ingest like any file, references checked", async () => {
    const dir = scratchDir();
    const settings = settingsFor(catalog);
    const titles = writeFile(
      dir,
      "Beauty_item_titles.tsv",
      "s3rec_item_id\tasin\ttitle\n10\tB01\tLip balm\n11\tB02\t\n12\tB03\tSoap\n",
    );
    const products = await ingestFile(catalog, settings, { kind: "products", file: titles, format: "s3rec" });
    expect(products).toMatchObject({ inputRows: 3, accepted: 2, quarantined: 1 });
    expect((await catalog.prisma.product.findUniqueOrThrow({ where: { id: "10" } })).attributes).toEqual({
      asin: "B01",
    });
    const seqs = writeFile(dir, "Beauty.txt", "1 10 11 12\n2 12 12\n");
    const events = await ingestFile(catalog, settings, { kind: "events", file: seqs, format: "s3rec" });
    expect(events).toMatchObject({ inputRows: 5, accepted: 4, quarantined: 1 });
    const q = await catalog.prisma.quarantineRow.findFirstOrThrow({ where: { runId: events.run } });
    expect(q).toMatchObject({ rowNumber: 1, field: "item_id", check: "reference" });
    const user2 = await catalog.prisma.event.findMany({ where: { userId: "2" }, orderBy: { seq: "asc" } });
    expect(user2.map((e) => e.timestamp.toISOString())).toEqual([
      "2000-01-01T00:00:00.000Z",
      "2000-01-01T00:00:01.000Z",
    ]);
  });
});
