/**
 * Search queries built from real products' attributes, with graded relevance judgements.
 *
 * A query stands for a few constraints (leaf category, brand, colour, material, a price limit)
 * rendered as text, so relevance follows from the constraints alone and can be checked:
 * 3 = same language and leaf, every constraint met; 2 = same leaf, exactly one missed;
 * 1 = same leaf with more missed, or another leaf of the same top category; 0 = another top.
 */
import { type Catalog, type Currency, type Lang, type Product, USD_PER } from "./catalog.js";
import type { ShopOptions } from "./options.js";
import { Rng, Weighted, zipfWeights } from "./rng.js";
import { LEAF_TOP, LEAVES } from "./vocab.js";

export type Query = {
  readonly index: number;
  readonly text: string;
  readonly language: Lang;
  readonly leaf: number;
  /** Constraints; colour and material as English values, so they compare across languages. */
  readonly brand?: string;
  readonly color?: string;
  readonly material?: string;
  /** Price limit in `currency`. */
  readonly maxPrice?: number;
  readonly currency: Currency;
  /** The product the query was made from. */
  readonly seedItem: string;
  readonly popularity: number;
};

export type Judgement = {
  readonly query: number;
  readonly product: number;
  readonly relevance: 0 | 1 | 2 | 3;
};

export type QuerySet = { readonly queries: readonly Query[]; readonly judgements: readonly Judgement[] };

type Template = { readonly text: string; readonly weight: number };

const TEMPLATES: Readonly<Record<Lang, readonly Template[]>> = {
  en: [
    { text: "{color} {word}", weight: 3 },
    { text: "{brand} {word}", weight: 2 },
    { text: "{word} under {price}", weight: 1.5 },
    { text: "{material} {word}", weight: 1 },
    { text: "{brand} {color} {word}", weight: 1 },
    { text: "{color} {word} under {price}", weight: 1 },
    { text: "{word}", weight: 0.5 },
  ],
  zh: [
    { text: "{color}{word}", weight: 3 },
    { text: "{brand} {word}", weight: 2 },
    { text: "{word} {price}元以内", weight: 1.5 },
    { text: "{material}{word}", weight: 1 },
    { text: "{brand}{word} {color}", weight: 1 },
  ],
};

/** Limits people type: "under 50", "300元以内". */
const ROUND_PRICES = [
  10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400, 500, 800, 1000, 1500, 2000, 3000, 5000, 8000,
  10000, 20000,
];
const MAX_EXACT = 20;
const N_PARTIAL = 6;
const N_WEAK = 4;
const N_NEGATIVE = 4;

/** Draws `options.queries` distinct queries from popular products and judges each. */
export function buildQueries(options: ShopOptions, catalog: Catalog): QuerySet {
  const rng = new Rng(options.seed, "queries");
  const products = catalog.products;
  const byPopularity = new Weighted(
    products,
    products.map((p) => p.popularity),
  );
  const drafts: Omit<Query, "index" | "popularity">[] = [];
  const seen = new Set<string>();
  // A tiny catalog yields few distinct queries: give up after enough tries rather than loop.
  for (let tries = 0; drafts.length < options.queries && tries < 50 * options.queries + 1000; tries++) {
    const draft = draftQuery(rng, byPopularity.draw(rng));
    if (draft && !seen.has(draft.text)) {
      seen.add(draft.text);
      drafts.push(draft);
    }
  }
  const popularity = zipfWeights(drafts.length, 0.9, rng);
  const queries = drafts.map((d, index) => ({ ...d, index, popularity: popularity[index]! }));
  const pools = new Map<string, Product[]>();
  for (const p of products) {
    const key = `${p.language}:${p.leaf}`;
    const pool = pools.get(key);
    if (pool) pool.push(p);
    else pools.set(key, [p]);
  }
  const judgements = queries.flatMap((q) =>
    judge(rng, q, products, pools.get(`${q.language}:${q.leaf}`) ?? []),
  );
  return { queries, judgements };
}

function draftQuery(rng: Rng, seed: Product): Omit<Query, "index" | "popularity"> | undefined {
  const lang = seed.language;
  const color = seed.attributes.color;
  const material = seed.attributes.material;
  const usable = TEMPLATES[lang].filter(
    (t) => (color || !t.text.includes("{color}")) && (material || !t.text.includes("{material}")),
  );
  const template = new Weighted(
    usable,
    usable.map((t) => t.weight),
  ).draw(rng).text;
  const currency: Currency = lang === "zh" ? "CNY" : "USD";
  const price = seed.currency === currency ? seed.price : seed.priceUsd / USD_PER[currency];
  const limit = ROUND_PRICES.find((r) => r >= price * (1 + rng.next() * 0.6));
  if (limit === undefined) return undefined;
  const word = rng.pick(LEAVES[seed.leaf]!.words[lang]);
  const text = template
    .replace("{word}", lang === "en" ? word.toLowerCase() : word)
    .replace("{brand}", lang === "en" ? seed.brand.toLowerCase() : seed.brand)
    .replace("{color}", color ?? "")
    .replace("{material}", material ?? "")
    .replace("{price}", String(limit));
  const has = (slot: string) => template.includes(`{${slot}}`);
  return {
    text,
    language: lang,
    leaf: seed.leaf,
    ...(has("brand") ? { brand: seed.brand } : {}),
    ...(has("color") ? { color: seed.english.color! } : {}),
    ...(has("material") ? { material: seed.english.material! } : {}),
    ...(has("price") ? { maxPrice: limit } : {}),
    currency,
    seedItem: seed.id,
  };
}

/** How many of the query's constraints a product of the query's leaf misses. */
export function violations(q: Query, p: Product): number {
  let miss = 0;
  if (q.brand !== undefined && p.brand !== q.brand) miss++;
  if (q.color !== undefined && p.english.color !== q.color) miss++;
  if (q.material !== undefined && p.english.material !== q.material) miss++;
  if (q.maxPrice !== undefined) {
    const price = p.currency === q.currency ? p.price : p.priceUsd / USD_PER[q.currency];
    if (price > q.maxPrice) miss++;
  }
  return miss;
}

function judge(rng: Rng, q: Query, products: readonly Product[], inLeaf: readonly Product[]): Judgement[] {
  const miss = new Map(inLeaf.map((p) => [p.index, violations(q, p)]));
  const exact = inLeaf
    .filter((p) => miss.get(p.index) === 0)
    .sort((a, b) => b.popularity - a.popularity || a.index - b.index)
    .slice(0, MAX_EXACT);
  const partial = rng.sample(
    inLeaf.filter((p) => miss.get(p.index) === 1),
    N_PARTIAL,
  );
  const top = LEAF_TOP[q.leaf]!;
  const weak = rng.sample(
    products.filter(
      (p) =>
        p.language === q.language &&
        ((p.leaf === q.leaf && (miss.get(p.index) ?? 0) >= 2) || (p.leaf !== q.leaf && p.top === top)),
    ),
    N_WEAK,
  );
  const negative = rng.sample(
    products.filter((p) => p.language === q.language && p.top !== top),
    N_NEGATIVE,
  );
  const rows = (list: readonly Product[], relevance: Judgement["relevance"]) =>
    list.map((p) => ({ query: q.index, product: p.index, relevance }));
  return [...rows(exact, 3), ...rows(partial, 2), ...rows(weak, 1), ...rows(negative, 0)];
}
