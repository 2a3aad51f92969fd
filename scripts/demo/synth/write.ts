/**
 * Writes a shop to a folder: products.csv, events.jsonl.gz, judgements.tsv, and truth.json
 * with what was planted where. The bytes depend on the options alone.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type Planted, type Row, UNDECODABLE, UNDECODABLE_BYTES } from "./defects.js";
import type { ShopOptionsInput } from "./options.js";
import { EVENT_FIELDS, JUDGEMENT_COLUMNS, PRODUCT_COLUMNS } from "./rows.js";
import { generateShop, type Shop } from "./shop.js";

export const FILE_NAMES = {
  products: "products.csv",
  events: "events.jsonl.gz",
  judgements: "judgements.tsv",
} as const;
export type FileKind = keyof typeof FILE_NAMES;
export const FILE_KINDS = Object.keys(FILE_NAMES) as FileKind[];

export type FileTruth = {
  readonly file: string;
  /** Data rows in the file (header excluded), planted ones included. */
  readonly rows: number;
  readonly planted: number;
  /** Planted rows per defect. */
  readonly defects: Record<string, number>;
  /** 1-based row numbers (header excluded) of the planted rows, per defect. */
  readonly planted_rows: Record<string, number[]>;
};

export type Truth = {
  readonly seed: number;
  readonly products: number;
  readonly users: number;
  readonly queries: number;
  readonly events: number;
  readonly languages: Record<string, number>;
  readonly window: { readonly start: string; readonly days: number };
  readonly files: Record<FileKind, FileTruth>;
};

export type WrittenShop = {
  readonly dir: string;
  readonly files: Record<FileKind, string>;
  readonly truth: Truth;
};

/** UTF-8 of lines (each ended by a newline), every UNDECODABLE marker turned into bytes that are not UTF-8. */
function encodeLines(lines: readonly string[]): Buffer {
  if (lines.length === 0) return Buffer.alloc(0);
  const text = `${lines.join("\n")}\n`;
  const parts = text.split(UNDECODABLE).map((p) => Buffer.from(p, "utf8"));
  const bad = Buffer.from(UNDECODABLE_BYTES);
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [bad, p])));
}

const csvCell = (value: string | number | undefined): string => {
  const s = value === undefined ? "" : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** RFC 4180 CSV with a header line. */
export function toCsv(rows: readonly Row[], columns: readonly string[]): Buffer {
  return encodeLines([columns.join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(","))]);
}

/** Tab-separated values with a header line (no cell holds a tab or a newline). */
export function toTsv(rows: readonly Row[], columns: readonly string[]): Buffer {
  return encodeLines([
    columns.join("\t"),
    ...rows.map((r) => columns.map((c) => String(r[c] ?? "")).join("\t")),
  ]);
}

/** JSON Lines, keys in `fields` order, absent fields left out. */
export function toJsonl(rows: readonly Row[], fields: readonly string[]): Buffer {
  // An array replacer both orders the keys and leaves out the ones a row lacks.
  const keys = [...fields];
  return encodeLines(rows.map((r) => JSON.stringify(r, keys)));
}

function fileTruth(file: string, planted: Planted): FileTruth {
  const defects = Object.fromEntries(Object.entries(planted.planted).map(([d, rows]) => [d, rows.length]));
  return {
    file,
    rows: planted.rows.length,
    planted: Object.values(defects).reduce((a, b) => a + b, 0),
    defects,
    planted_rows: planted.planted,
  };
}

/** What was generated and planted, as written to truth.json. */
export function truthOf(shop: Shop): Truth {
  const languages: Record<string, number> = { en: 0, zh: 0 };
  for (const p of shop.catalog.products) languages[p.language] = (languages[p.language] ?? 0) + 1;
  return {
    seed: shop.options.seed,
    products: shop.catalog.products.length,
    users: shop.users.length,
    queries: shop.queries.queries.length,
    events: shop.events.length,
    languages,
    window: { start: shop.options.start, days: shop.options.days },
    files: {
      products: fileTruth(FILE_NAMES.products, shop.files.products),
      events: fileTruth(FILE_NAMES.events, shop.files.events),
      judgements: fileTruth(FILE_NAMES.judgements, shop.files.judgements),
    },
  };
}

/** Writes the files of a generated shop into `dir` (created if missing). */
export function writeShopFiles(shop: Shop, dir: string): WrittenShop {
  mkdirSync(dir, { recursive: true });
  const files = {
    products: path.join(dir, FILE_NAMES.products),
    events: path.join(dir, FILE_NAMES.events),
    judgements: path.join(dir, FILE_NAMES.judgements),
  };
  writeFileSync(files.products, toCsv(shop.files.products.rows, PRODUCT_COLUMNS));
  // mtime 0 in the gzip header (Node's default) keeps the bytes the same from run to run.
  writeFileSync(files.events, gzipSync(toJsonl(shop.files.events.rows, EVENT_FIELDS)));
  writeFileSync(files.judgements, toTsv(shop.files.judgements.rows, JUDGEMENT_COLUMNS));
  const truth = truthOf(shop);
  writeFileSync(path.join(dir, "truth.json"), `${JSON.stringify(truth, null, 2)}\n`);
  return { dir, files, truth };
}

/** Generates the shop for `input` and writes its files into `dir`. */
export function writeShop(input: ShopOptionsInput, dir: string): WrittenShop {
  return writeShopFiles(generateShop(input), dir);
}
