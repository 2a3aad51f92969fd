/**
 * A seeded synthetic shop for the ingest benchmark: products, and events in sessions (views,
 * clicks, carts, purchases, searches in English and Chinese) streamed to CSV or JSON Lines
 * (gzip'd if asked), optionally with a fraction of rows broken on purpose. Same seed, same bytes.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { createGzip, type Gzip } from "node:zlib";

/** A small, fast, seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "phone",
  "case",
  "charger",
  "lamp",
  "kettle",
  "shoes",
  "jacket",
  "mug",
  "desk",
  "chair",
  "cable",
  "tent",
];
const ZH = ["手机", "耳机", "台灯", "水壶", "运动鞋", "夹克", "杯子", "书桌", "椅子", "帐篷"];
const BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "小米", "华为"];
const CATEGORIES = [
  "Home > Kitchen",
  "Home > Office",
  "Electronics > Phones",
  "Sports > Outdoor",
  "Fashion > Shoes",
];

export type SynthOptions = {
  seed: number;
  events: number;
  items: number;
  users: number;
  format: "csv" | "jsonl";
  gzip: boolean;
  /** Fraction of event rows broken on purpose (each then quarantined with its reason). */
  malformed: number;
};

class Sink {
  private readonly file: WriteStream;
  private readonly out: WriteStream | Gzip;

  constructor(path: string, gzip: boolean) {
    this.file = createWriteStream(path);
    if (gzip) {
      const z = createGzip({ level: 6 });
      z.pipe(this.file);
      this.out = z;
    } else this.out = this.file;
  }

  async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, "drain");
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.file, "close");
  }
}

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Writes products.csv: `items` products with titles, brands, categories, prices and stock. */
export async function writeProducts(path: string, o: SynthOptions): Promise<number> {
  const r = rng(o.seed);
  const out = new Sink(path, false);
  await out.write("item_id,title,brand,category,price,stock,color\n");
  let text = "";
  for (let i = 0; i < o.items; i++) {
    const zh = r() < 0.2;
    const title = zh
      ? `${ZH[Math.floor(r() * ZH.length)]} ${i}`
      : `${WORDS[Math.floor(r() * WORDS.length)]} ${WORDS[Math.floor(r() * WORDS.length)]} ${i}`;
    const brand = BRANDS[Math.floor(r() * BRANDS.length)]!;
    const cat = CATEGORIES[Math.floor(r() * CATEGORIES.length)]!;
    text += `p${i},${csvField(title)},${brand},${cat},${(1 + r() * 500).toFixed(2)},${Math.floor(r() * 100)},${r() < 0.5 ? "red" : "blue"}\n`;
    if (text.length > 1 << 20) {
      await out.write(text);
      text = "";
    }
  }
  await out.write(text);
  await out.close();
  return o.items;
}

const TYPES = [
  "view",
  "view",
  "view",
  "view",
  "click",
  "click",
  "add_to_cart",
  "purchase",
  "search",
] as const;

/** A corrupted field set: what kind of defect row `k` gets. */
const DEFECTS = [
  "empty_item",
  "bad_price",
  "negative_price",
  "bad_type",
  "bad_time",
  "future_time",
  "short_row",
];

/**
 * Writes the events file and returns how many rows were planted bad. Sessions of 1-20 events,
 * a second or more apart, starting in 2025-2026.
 */
export async function writeEvents(path: string, o: SynthOptions): Promise<{ rows: number; planted: number }> {
  const r = rng(o.seed + 1);
  const out = new Sink(path, o.gzip);
  const columns = [
    "user_id",
    "session_id",
    "item_id",
    "event_type",
    "timestamp",
    "query",
    "price",
    "quantity",
  ];
  if (o.format === "csv") await out.write(`${columns.join(",")}\n`);
  let text = "";
  let written = 0;
  let planted = 0;
  let session = 0;
  const base = Date.UTC(2025, 0, 1);
  while (written < o.events) {
    const user = `u${Math.floor(r() * o.users)}`;
    const sid = `s${session++}`;
    const length = 1 + Math.floor(r() * 20);
    let t = base + Math.floor(r() * 500 * 86_400_000);
    for (let k = 0; k < length && written < o.events; k++, written++) {
      t += 1000 + Math.floor(r() * 60_000);
      const type = TYPES[Math.floor(r() * TYPES.length)]!;
      const search = type === "search";
      const values: string[] = [
        user,
        sid,
        search ? "" : `p${Math.floor(r() * o.items)}`,
        type,
        new Date(t).toISOString(),
        search
          ? r() < 0.3
            ? `${ZH[Math.floor(r() * ZH.length)]}`
            : `red ${WORDS[Math.floor(r() * WORDS.length)]}`
          : "",
        type === "purchase" ? (1 + r() * 300).toFixed(2) : "",
        type === "purchase" || type === "add_to_cart" ? String(1 + Math.floor(r() * 3)) : "",
      ];
      let short = false;
      if (o.malformed > 0 && r() < o.malformed) {
        planted++;
        const defect = DEFECTS[Math.floor(r() * DEFECTS.length)];
        if (defect === "empty_item") {
          values[2] = "";
          values[3] = "view";
        } else if (defect === "bad_price") values[6] = "twelve";
        else if (defect === "negative_price") values[6] = "-5";
        else if (defect === "bad_type") values[3] = "teleport";
        else if (defect === "bad_time") values[4] = "yesterday";
        else if (defect === "future_time") values[4] = "2999-01-01T00:00:00Z";
        else short = true;
      }
      if (o.format === "csv") text += short ? `${values.slice(0, 4).join(",")}\n` : `${values.join(",")}\n`;
      else if (short) text += "{not json\n";
      else {
        const obj: Record<string, string | number> = {};
        columns.forEach((c, i) => {
          if (values[i] !== "")
            obj[c] = c === "price" || c === "quantity" ? Number(values[i]) || values[i]! : values[i]!;
        });
        text += `${JSON.stringify(obj)}\n`;
      }
      if (text.length > 1 << 20) {
        await out.write(text);
        text = "";
      }
    }
  }
  await out.write(text);
  await out.close();
  return { rows: written, planted };
}
