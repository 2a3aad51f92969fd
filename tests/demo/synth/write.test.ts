import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { BAD_VALUES } from "../../../scripts/demo/synth/defects.js";
import { EVENT_TYPES } from "../../../scripts/demo/synth/events.js";
import { FILE_KINDS, FILE_NAMES, type Truth, writeShop } from "../../../scripts/demo/synth/write.js";
import { SCRATCH } from "../../support/env.js";

const TINY = { products: 60, users: 20, events: 1500, defectsPerKind: 2 };
const root = path.join(SCRATCH, `synth-${randomBytes(4).toString("hex")}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bytesOf = (dir: string) =>
  Object.fromEntries(
    [...Object.values(FILE_NAMES), "truth.json"].map((f) => [f, readFileSync(path.join(dir, f))] as const),
  );

/** Lines of a file as raw bytes, header and final newline dropped. */
function dataLines(bytes: Buffer, header: boolean): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++)
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  return header ? lines.slice(1) : lines;
}

const strict = new TextDecoder("utf-8", { fatal: true });
const decodes = (b: Buffer): boolean => {
  try {
    strict.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** 1-based row numbers that an independent reading of the file finds bad, by the test's own rules. */
function badRows(lines: Buffer[], isBad: (text: string) => boolean): number[] {
  return lines.flatMap((line, i) => (!decodes(line) || isBad(line.toString("utf8")) ? [i + 1] : []));
}

const plantedSet = (truth: Truth, kind: (typeof FILE_KINDS)[number]) =>
  Object.values(truth.files[kind].planted_rows)
    .flat()
    .sort((a, b) => a - b);

describe("writeShop", () => {
  const a = writeShop({ ...TINY, seed: 7 }, path.join(root, "a"));
  const b = writeShop({ ...TINY, seed: 7 }, path.join(root, "b"));
  const c = writeShop({ ...TINY, seed: 8 }, path.join(root, "c"));

  it("writes the same bytes for the same seed and different bytes for another", () => {
    const [fa, fb, fc] = [bytesOf(a.dir), bytesOf(b.dir), bytesOf(c.dir)];
    for (const name of Object.keys(fa)) {
      expect(fa[name]!.equals(fb[name]!), name).toBe(true);
      expect(fa[name]!.equals(fc[name]!), name).toBe(false);
    }
  });

  it("writes products a CSV parser reads, with English and Chinese titles", () => {
    const rows = parse(readFileSync(a.files.products), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(a.truth.files.products.rows);
    expect(Object.keys(rows[0]!)).toEqual([
      "item_id",
      "title",
      "description",
      "brand",
      "category",
      "price",
      "currency",
      "stock",
      "attributes",
      "image_url",
      "language",
    ]);
    const han = rows.filter((r) => /\p{Script=Han}/u.test(r.title!) && r.language === "zh");
    expect(han.length).toBeGreaterThan(5);
    expect(rows.filter((r) => r.language === "en" && /^[\x20-\x7e]+$/.test(r.title!)).length).toBeGreaterThan(
      20,
    );
    expect(rows.every((r) => r.category!.includes(" > "))).toBe(true);
    const attrs = rows.filter((r) => r.title !== "").map((r) => JSON.parse(r.attributes!) as object);
    expect(attrs.every((m) => Object.keys(m).length > 0)).toBe(true);
  });

  it("plants exactly the bad product rows it reports", () => {
    const lines = dataLines(readFileSync(a.files.products), true);
    const found = badRows(lines, (text) => {
      const [r] = parse(text) as string[][];
      const [, title, , , , price, currency] = r!;
      return title === "" || !(Number(price) >= 0) || !["USD", "EUR", "CNY"].includes(currency!);
    });
    expect(found).toEqual(plantedSet(a.truth, "products"));
    expect(a.truth.files.products.planted).toBe(8);
    expect(a.truth.files.products.defects).toEqual({
      bad_price: 2,
      missing_title: 2,
      invalid_enum: 2,
      undecodable_bytes: 2,
    });
  });

  it("plants exactly the bad event rows it reports, and the good ones point at real products", () => {
    const products = parse(readFileSync(a.files.products), { columns: true }) as Record<string, string>[];
    const ids = new Set(products.filter((p) => p.title !== "" && Number(p.price) >= 0).map((p) => p.item_id));
    const lines = dataLines(gunzipSync(readFileSync(a.files.events)), false);
    expect(lines).toHaveLength(TINY.events + a.truth.files.events.planted);
    const found = badRows(lines, (text) => {
      const e = JSON.parse(text) as Record<string, unknown>;
      return (
        !(EVENT_TYPES as readonly unknown[]).includes(e.event_type) ||
        (e.item_id !== undefined && !ids.has(String(e.item_id))) ||
        (e.price !== undefined && !(typeof e.price === "number" && e.price >= 0)) ||
        !(Date.parse(String(e.timestamp)) < Date.now())
      );
    });
    expect(found).toEqual(plantedSet(a.truth, "events"));
    expect(a.truth.files.events.planted).toBe(10);
    const texts = lines.map((l) => l.toString("utf8"));
    expect(texts.some((t) => t.includes(`"event_type":"${BAD_VALUES.eventType}"`))).toBe(true);
    expect(texts.some((t) => t.includes(`"timestamp":"${BAD_VALUES.farFutureYear}-`))).toBe(true);
  });

  it("plants exactly the bad judgement rows it reports, and the good ones judge real products", () => {
    const products = parse(readFileSync(a.files.products), { columns: true }) as Record<string, string>[];
    const ids = new Set(products.map((p) => p.item_id));
    const lines = dataLines(readFileSync(a.files.judgements), true);
    const found = badRows(lines, (text) => {
      const [query, item, relevance] = text.split("\t");
      return query === "" || !ids.has(item!) || !["0", "1", "2", "3"].includes(relevance!);
    });
    expect(found).toEqual(plantedSet(a.truth, "judgements"));
    expect(a.truth.files.judgements.planted).toBe(8);
    expect(lines.length).toBe(a.truth.files.judgements.rows);
  });

  it("plants nothing when asked for no defects", () => {
    const clean = writeShop({ ...TINY, defectsPerKind: 0 }, path.join(root, "clean"));
    for (const kind of FILE_KINDS) expect(clean.truth.files[kind].planted).toBe(0);
    const truth = JSON.parse(readFileSync(path.join(clean.dir, "truth.json"), "utf8")) as Truth;
    expect(truth.files.events.rows).toBe(TINY.events);
  });
});
