/**
 * The product catalog: leaves, brands, attributes, prices in three currencies, stock, and a
 * Zipf popularity that makes a few products the ones everybody looks at.
 */
import type { ShopOptions } from "./options.js";
import { Rng, Weighted, zipfWeights } from "./rng.js";
import { LEAF_TOP, LEAVES, TOPS } from "./vocab.js";
import { ADJECTIVES, BRANDS, CLOSINGS, KEY_NAMES_ZH, MODEL_CODES, VALUE_SETS } from "./words.js";

export type Lang = "en" | "zh";
export type Currency = "USD" | "EUR" | "CNY";

/** What one unit of each currency is worth in USD (fixed: synthetic prices need no market). */
export const USD_PER: Readonly<Record<Currency, number>> = { USD: 1, EUR: 1.08, CNY: 1 / 7.1 };

export type Product = {
  readonly index: number;
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly brand: string;
  readonly category: string;
  readonly price: number;
  readonly currency: Currency;
  readonly stock: number;
  /** Attribute values in the product's language. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly imageUrl: string;
  readonly language: Lang;
  readonly leaf: number;
  readonly top: number;
  /** The same attributes in English, so that judgements compare across languages. */
  readonly english: Readonly<Record<string, string>>;
  readonly priceUsd: number;
  readonly popularity: number;
};

export type Catalog = {
  readonly products: readonly Product[];
  /** Digits of the zero-padded numbers in product ids. */
  readonly idWidth: number;
};

/** Zero-padded id: `P000042`. */
export function productId(index: number, width: number): string {
  return `P${String(index).padStart(width, "0")}`;
}

/** Digits needed for ids 0..n-1, at least `minimum`. */
export function idWidth(n: number, minimum: number): number {
  return Math.max(minimum, String(Math.max(n - 1, 0)).length);
}

/** Brands selling in `lang` within a top category, most popular first. */
export function brandsOf(top: number, lang: Lang): readonly string[] {
  return BRANDS[top]![lang];
}

/** Draws the catalog (deterministic in `options.seed`). */
export function buildCatalog(options: ShopOptions): Catalog {
  const rng = new Rng(options.seed, "catalog");
  const n = options.products;
  const zh = new Set(rng.shuffled([...Array(n).keys()]).slice(0, Math.round(n * options.zhFraction)));
  // Every leaf gets a product before any gets a second, so even a tiny catalog covers them all.
  const leafWeights = new Weighted(
    LEAVES.map((_, i) => i),
    LEAVES.map(() => rng.gamma(4)),
  );
  const leaves = rng.shuffled([
    ...LEAVES.map((_, i) => i).slice(0, n),
    ...Array.from({ length: Math.max(0, n - LEAVES.length) }, () => leafWeights.draw(rng)),
  ]);
  const popularity = zipfWeights(n, 1.05, rng);
  // A premium factor per brand, so that some brands are dearer than others in every leaf.
  const premium = new Map<string, number>();
  for (const top of BRANDS)
    for (const brand of [...top.en, ...top.zh]) premium.set(brand, rng.lognormal(0, 0.25));
  // Reserve id space for the planted rows, which follow the real products.
  const width = idWidth(n + 1000, 6);
  const products: Product[] = [];
  for (let i = 0; i < n; i++) {
    const language: Lang = zh.has(i) ? "zh" : "en";
    products.push(drawProduct(rng, i, leaves[i]!, language, premium, popularity[i]!, width));
  }
  return { products, idWidth: width };
}

function drawProduct(
  rng: Rng,
  index: number,
  leafIndex: number,
  language: Lang,
  premium: Map<string, number>,
  popularity: number,
  width: number,
): Product {
  const leaf = LEAVES[leafIndex]!;
  const top = LEAF_TOP[leafIndex]!;
  const brands = brandsOf(top, language);
  // A few brands per category dominate, as in real shops.
  const brand = new Weighted(
    brands,
    brands.map((_, r) => 1 / (r + 1) ** 0.8),
  ).draw(rng);
  const attributes: Record<string, string> = {};
  const english: Record<string, string> = {};
  for (const [key, set] of leaf.attrs) {
    const [en, zh] = rng.pick(VALUE_SETS[set]!);
    attributes[key] = language === "zh" ? zh : en;
    english[key] = en;
  }
  const usd = rng.lognormal(Math.log(leaf.price), leaf.spread) * premium.get(brand)!;
  const currency: Currency = language === "zh" ? "CNY" : rng.chance(0.15) ? "EUR" : "USD";
  const price = shelfPrice(usd / USD_PER[currency], currency);
  const stock = rng.chance(0.08) ? 0 : Math.min(999, rng.geometric(0.02));
  const id = productId(index, width);
  const text =
    language === "zh"
      ? chineseText(rng, leafIndex, brand, attributes)
      : englishText(rng, leafIndex, brand, attributes);
  return {
    index,
    id,
    ...text,
    brand,
    category: leaf.path[language].join(" > "),
    price,
    currency,
    stock,
    attributes,
    imageUrl: `https://images.shopmind.example/${id}.jpg`,
    language,
    leaf: leafIndex,
    top,
    english,
    priceUsd: price * USD_PER[currency],
    popularity,
  };
}

/** Prices as shops write them: x.99 dollars, x.95 euros, whole yuan ending in 9. */
function shelfPrice(amount: number, currency: Currency): number {
  if (currency === "CNY") return Math.max(9, Math.floor(amount / 10) * 10 + 9);
  const cents = currency === "EUR" ? 0.05 : 0.01;
  return Math.round((Math.max(Math.floor(amount), 1) - cents) * 100) / 100;
}

const capitalise = (s: string): string =>
  s
    .split(" ")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");

function modelCode(rng: Rng): string {
  return `${rng.pick(MODEL_CODES)}${rng.between(1, 99) * 10}`;
}

function englishText(
  rng: Rng,
  leafIndex: number,
  brand: string,
  attributes: Record<string, string>,
): { title: string; description: string } {
  const leaf = LEAVES[leafIndex]!;
  const word = rng.pick(leaf.words.en);
  const adjective = rng.chance(0.5) ? rng.pick(ADJECTIVES.en) : "";
  const color = attributes.color && rng.chance(0.85) ? capitalise(attributes.color) : "";
  const others = Object.entries(attributes).filter(([k]) => k !== "color");
  const other = others.length > 0 && rng.chance(0.6) ? rng.pick(others)[1] : "";
  const model = rng.chance(0.4) ? modelCode(rng) : "";
  const title = [brand, adjective, color, word, model, other ? `(${other})` : ""].filter(Boolean).join(" ");
  const features = Object.entries(attributes)
    // "2-4 players" says what it is; "size M" needs its key.
    .map(([k, v]) => (v.includes(k) ? v : `${k.replace("_", " ")} ${v}`))
    .join(", ");
  const closing = rng.pick(CLOSINGS.en[LEAF_TOP[leafIndex]!]!);
  const named = [brand, adjective, word.toLowerCase()].filter(Boolean).join(" ");
  return { title, description: `The ${named} with ${features}. ${closing}` };
}

function chineseText(
  rng: Rng,
  leafIndex: number,
  brand: string,
  attributes: Record<string, string>,
): { title: string; description: string } {
  const leaf = LEAVES[leafIndex]!;
  const word = rng.pick(leaf.words.zh);
  const adjective = rng.chance(0.5) ? rng.pick(ADJECTIVES.zh) : "";
  const color = attributes.color && rng.chance(0.85) ? attributes.color : "";
  const others = Object.entries(attributes).filter(([k]) => k !== "color");
  const other = others.length > 0 && rng.chance(0.6) ? rng.pick(others)[1] : "";
  const title = [brand, `${adjective}${word}`, color, other].filter(Boolean).join(" ");
  const features = Object.entries(attributes)
    .map(([k, v]) => `${KEY_NAMES_ZH[k] ?? k}：${v}`)
    .join("，");
  const closing = rng.pick(CLOSINGS.zh[LEAF_TOP[leafIndex]!]!);
  return { title, description: `${brand}${word}，${features}。${closing}` };
}

/** Number of top categories (users' tastes are spread over them). */
export const N_TOPS = TOPS.length;
