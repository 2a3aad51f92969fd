import path from "node:path";
import { describe, expect, it } from "vitest";
import { SourceError } from "../../src/errors.js";
import { openDelimited } from "../../src/ingest/delimited.js";
import { openJsonLines } from "../../src/ingest/jsonl.js";
import { openParquet } from "../../src/ingest/parquet.js";
import { formatFromName, resolveFormat } from "../../src/ingest/source.js";
import "../../src/ingest/formats.js";
import { READ, readAll, scratchDir, writeFile } from "./helpers.js";

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
const csv = (file: string, options = READ) => openDelimited(file, options, ",", "csv");

describe("CSV", () => {
  it("reads quoted fields with delimiters, doubled quotes and line breaks", async () => {
    const dir = scratchDir();
    const file = writeFile(
      dir,
      "a.csv",
      'id,title,desc\r\np1,"Case, blue","say ""hi"""\r\np2,"two\nlines",x\r\np3,5" screen,plain\r\n',
    );
    const { rows, numbers, rejected } = await readAll(await csv(file));
    expect(rows).toEqual([
      { id: "p1", title: "Case, blue", desc: 'say "hi"' },
      { id: "p2", title: "two\nlines", desc: "x" },
      { id: "p3", title: '5" screen', desc: "plain" },
    ]);
    expect(numbers).toEqual([1, 2, 3]);
    expect(rejected).toEqual([]);
  });

  it("rejects a record with the wrong number of fields, and skips blank lines", async () => {
    const file = writeFile(scratchDir(), "a.csv", "a,b\n1,2\n\n3\n4,5,6\n7,8");
    const { rows, numbers, rejected } = await readAll(await csv(file));
    expect(rows).toEqual([
      { a: "1", b: "2" },
      { a: "7", b: "8" },
    ]);
    expect(numbers).toEqual([1, 4]);
    expect(rejected.map((r) => [r.row, r.check, r.reason])).toEqual([
      [2, "bad_record", "expected 2 fields, found 1"],
      [3, "bad_record", "expected 2 fields, found 3"],
    ]);
    expect(JSON.parse(rejected[0]!.raw)).toBe("3");
  });

  it("rejects one row whose bytes are not UTF-8 and reads the rest", async () => {
    const bytes = Buffer.concat([
      Buffer.from("a,b\n1,ok\n2,"),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("\n3,fine\n"),
    ]);
    const { rows, rejected } = await readAll(await csv(writeFile(scratchDir(), "a.csv", bytes)));
    expect(rows.map((r) => r.a)).toEqual(["1", "3"]);
    expect(rejected).toMatchObject([{ row: 2, check: "broken_encoding", field: "_record" }]);
  });

  it("reads latin-1 when told", async () => {
    const bytes = Buffer.concat([Buffer.from("a,b\n1,caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    const { rows } = await readAll(
      await csv(writeFile(scratchDir(), "a.csv", bytes), { ...READ, encoding: "latin1" }),
    );
    expect(rows).toEqual([{ a: "1", b: "café" }]);
  });

  it("quarantines a line over the limit without holding it, and goes on", async () => {
    const long = "x".repeat(50_000);
    const file = writeFile(scratchDir(), "a.csv", `a,b\n1,2\n3,${long}\n5,6\n`);
    const { rows, rejected } = await readAll(await csv(file, { ...READ, maxLineBytes: 4096 }));
    expect(rows).toEqual([
      { a: "1", b: "2" },
      { a: "5", b: "6" },
    ]);
    expect(rejected).toMatchObject([{ row: 2, check: "too_long", field: "_record" }]);
    expect(rejected[0]!.raw.length).toBeLessThan(300);
  });

  it("cuts off a quote that never closes at the limit and reads on from the next line", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `${i},fine`).join("\n");
    const file = writeFile(scratchDir(), "a.csv", `a,b\n1,"open\n${lines}\n`);
    const { rows, rejected } = await readAll(await csv(file, { ...READ, maxLineBytes: 1024 }));
    expect(rejected).toMatchObject([{ row: 1, check: "bad_record" }]);
    expect(rows).toHaveLength(20);
  });

  it("strips a BOM, and reads a tab-separated .csv as TSV", async () => {
    const file = writeFile(scratchDir(), "a.csv", "\ufeffuser\titem\nu1\tp1\n");
    expect((await readAll(await csv(file))).rows).toEqual([{ user: "u1", item: "p1" }]);
  });

  it("reads gzip'd files, told by their magic bytes", async () => {
    const file = writeFile(scratchDir(), "plain-name.csv", "a,b\n1,2\n", true);
    expect((await readAll(await csv(file))).rows).toEqual([{ a: "1", b: "2" }]);
  });

  it.each([
    ["an empty file", "", /empty/],
    ["a repeated header name", "a,a\n1,2\n", /repeats column\(s\) a/],
    ["a header that is not UTF-8", Buffer.from([0x61, 0xff, 0x0a]), /not valid UTF-8.*latin1/],
    ["binary data", Buffer.from([0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 10]), /not a text file/],
    ["UTF-16 text", Buffer.from("\ufeffa,b\n1,2\n", "utf16le"), /UTF-16/],
    ["a zip archive", Buffer.from("PK\u0003\u0004rest"), /zip archive/],
    ["a Parquet file", Buffer.from("PAR1\u0000\u0000\u0000"), /Parquet file; pass --format parquet/],
  ])("refuses %s with a SourceError", async (_what, content, message) => {
    const file = writeFile(scratchDir(), "a.csv", content);
    await expect(csv(file)).rejects.toThrow(message);
    await expect(csv(file)).rejects.toBeInstanceOf(SourceError);
  });

  it("names a truncated gzip file as the problem", async () => {
    const body = Array.from({ length: 5000 }, (_, i) => `${i},${(i * 7919) % 10007}`).join("\n");
    const full = writeFile(scratchDir(), "a.csv", `a,b\n${body}\n`, true);
    const { readFileSync } = await import("node:fs");
    const bytes = readFileSync(full);
    const cut = writeFile(scratchDir(), "cut.csv.gz", bytes.subarray(0, bytes.length >> 1));
    await expect(readAll(await csv(cut))).rejects.toThrow(/cannot read \(corrupt or truncated file\?\)/);
  });

  it("hands out batches of chunkRows records", async () => {
    const file = writeFile(scratchDir(), "a.csv", `a\n${"1\n".repeat(1050)}`);
    const sizes: number[] = [];
    for await (const b of (await csv(file, { ...READ, chunkRows: 100 })).batches) sizes.push(b.rows.length);
    expect(sizes).toEqual([...Array(10).fill(100), 50]);
  });

  it("keeps a row with a stray NUL byte (a row problem, not a binary file)", async () => {
    const file = writeFile(scratchDir(), "a.csv", "a,b\nx\u0000y,2\n");
    expect((await readAll(await csv(file))).rows).toEqual([{ a: "x\u0000y", b: "2" }]);
  });
});

describe("TSV", () => {
  it("splits on tabs only", async () => {
    const file = writeFile(scratchDir(), "a.tsv", "a\tb\nx, y\tz\n");
    const { rows } = await readAll(await openDelimited(file, READ, "\t", "tsv"));
    expect(rows).toEqual([{ a: "x, y", b: "z" }]);
  });
});

describe("JSON Lines", () => {
  it("reads objects; a key first seen late adds a column", async () => {
    // More than one read block (1 MiB), so the late key arrives after the columns were first given.
    const lines = ['{"a":1,"b":"x"}', ...Array.from({ length: 150_000 }, () => '{"a":2}'), '{"a":3,"c":[1]}'];
    const file = writeFile(scratchDir(), "a.jsonl", `${lines.join("\n")}\n`);
    const source = await openJsonLines(file, READ);
    expect(source.columns).toEqual(["a", "b"]);
    const { rows } = await readAll(source);
    expect(rows[0]).toEqual({ a: 1, b: "x" });
    expect(rows.at(-1)).toEqual({ a: 3, c: [1] });
  });

  it("rejects bad JSON, non-objects, broken bytes and long lines by line", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a":1}\n{not json\n[1,2]\n\n"text"\n{"a":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`"}\n{"a":"${"y".repeat(5000)}"}\n{"a":9}\n`),
    ]);
    const { rows, rejected } = await readAll(
      await openJsonLines(writeFile(scratchDir(), "a.jsonl", bytes), { ...READ, maxLineBytes: 1024 }),
    );
    expect(rows).toEqual([{ a: 1 }, { a: 9 }]);
    expect(rejected.map((r) => [r.row, r.check])).toEqual([
      [2, "bad_record"],
      [3, "bad_record"],
      [4, "bad_record"],
      [5, "broken_encoding"],
      [6, "too_long"],
    ]);
    expect(rejected[1]!.reason).toBe("expected a JSON object, found an array");
  });

  it("refuses a file without records", async () => {
    await expect(openJsonLines(writeFile(scratchDir(), "a.jsonl", "\n\n"), READ)).rejects.toThrow(
      /no records/,
    );
  });
});

describe("Parquet", () => {
  it("reads every row group; a string that is not UTF-8 rejects its row", async () => {
    const { rows, numbers, rejected } = await readAll(
      await openParquet(path.join(FIXTURES, "events.parquet"), { ...READ, chunkRows: 2 }),
    );
    expect(numbers).toEqual([1, 2, 4, 5]);
    expect(rows[1]).toMatchObject({ user: "u2", product_id: "p2", event_type: "purchase", price: 12.5 });
    expect(rows[1]!.ts).toEqual(new Date(Date.UTC(2026, 0, 1, 10, 1)));
    expect(rejected).toMatchObject([{ row: 3, field: "user", check: "broken_encoding" }]);
  });

  it("reads zstd pages and struct columns", async () => {
    const { rows } = await readAll(await openParquet(path.join(FIXTURES, "products.zstd.parquet"), READ));
    expect(rows[0]).toEqual({
      sku: "p1",
      name: "Red shoe",
      price: 19.99,
      stock: 3,
      attributes: { color: "red", size: "42" },
    });
  });

  it("refuses gzip'd Parquet and files that are not Parquet", async () => {
    const dir = scratchDir();
    await expect(openParquet(writeFile(dir, "a.parquet", "PAR1 nope", true), READ)).rejects.toThrow(
      /gzip-compressed Parquet/,
    );
    await expect(openParquet(writeFile(dir, "b.parquet", "a,b\n1,2\n"), READ)).rejects.toThrow(
      /not a Parquet file/,
    );
  });
});

describe("formats", () => {
  it("come from the extension, gzip suffix aside", () => {
    expect(formatFromName("x/events.csv.gz")).toBe("csv");
    expect(formatFromName("a.TSV")).toBe("tsv");
    expect(formatFromName("a.ndjson")).toBe("jsonl");
    expect(formatFromName("a.pq")).toBe("parquet");
    expect(() => formatFromName("a.xlsx")).toThrow(/pass --format/);
  });
  it("refuses an unknown format name", () => {
    expect(() => resolveFormat("a.csv", "xml", "events")).toThrow(/unknown format "xml"/);
  });
});
