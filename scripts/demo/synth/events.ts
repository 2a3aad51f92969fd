/**
 * Behaviour events: sessions of users following their tastes through view -> click ->
 * add_to_cart -> purchase funnels, some opened by a search, all inside the options' time window.
 */
import { type Catalog, idWidth, type Product } from "./catalog.js";
import { type ShopOptions, windowStartMs } from "./options.js";
import type { QuerySet } from "./queries.js";
import { Rng, Weighted } from "./rng.js";
import { type User, userPicker } from "./users.js";
import { LEAF_TOP, LEAVES } from "./vocab.js";

export const EVENT_TYPES = ["view", "click", "add_to_cart", "purchase", "search"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type ShopEvent = {
  readonly userId: string;
  readonly sessionId: string;
  readonly eventType: EventType;
  /** Milliseconds since the epoch, UTC. */
  readonly timestamp: number;
  readonly itemId?: string;
  readonly query?: string;
  readonly price?: number;
  readonly quantity?: number;
};

const P_SEARCH = 0.25;
const P_SAME_LEAF = 0.55;
const P_KEEP_TOP = 0.8;
const P_CLICK = 0.45;
const P_CART = 0.3;
const P_BUY = 0.5;
const MAX_ITEMS = 8;
const DAY_MS = 86_400_000;
/** Relative traffic per UTC hour: quiet nights, a lunch bump, an evening peak. */
const HOURLY = [3, 2, 2, 1, 1, 2, 3, 5, 7, 8, 9, 10, 11, 10, 9, 9, 9, 10, 12, 14, 15, 14, 11, 6];

type Pools = {
  byTop: Map<string, Weighted<Product>>;
  byLeaf: Map<string, Weighted<Product>>;
  byBrand: Map<string, Weighted<Product>>;
  queriesByTop: Map<string, Weighted<number>>;
  results: Map<number, Weighted<Product>>;
};

function weightedGroups<T>(
  items: readonly T[],
  key: (t: T) => string,
  weight: (t: T) => number,
): Map<string, Weighted<T>> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return new Map([...groups].map(([k, g]) => [k, new Weighted(g, g.map(weight))]));
}

function buildPools(catalog: Catalog, queries: QuerySet): Pools {
  const products = catalog.products;
  const results = new Map<number, Weighted<Product>>();
  const good = queries.judgements.filter((j) => j.relevance >= 2);
  for (const [q, rows] of weightedGroups(
    good,
    (j) => String(j.query),
    () => 1,
  )) {
    // Exact matches dominate what a shopper opens after searching.
    const list = rows.items.map((j) => products[j.product]!);
    const weights = rows.items.map((j) => products[j.product]!.popularity * (j.relevance === 3 ? 4 : 1));
    results.set(Number(q), new Weighted(list, weights));
  }
  return {
    byTop: weightedGroups(
      products,
      (p) => `${p.language}:${p.top}`,
      (p) => p.popularity,
    ),
    byLeaf: weightedGroups(
      products,
      (p) => `${p.language}:${p.leaf}`,
      (p) => p.popularity,
    ),
    byBrand: weightedGroups(
      products,
      (p) => p.brand,
      (p) => p.popularity,
    ),
    queriesByTop: weightedGroups(
      queries.queries.map((q) => q.index),
      (i) => `${queries.queries[i]!.language}:${LEAF_TOP[queries.queries[i]!.leaf]}`,
      (i) => queries.queries[i]!.popularity,
    ),
    results,
  };
}

/** Draws `options.events` events (exactly), ordered by time; ties keep their session order. */
export function buildEvents(
  options: ShopOptions,
  catalog: Catalog,
  users: readonly User[],
  queries: QuerySet,
): ShopEvent[] {
  const rng = new Rng(options.seed, "events");
  const pools = buildPools(catalog, queries);
  const anyProduct = new Weighted(
    catalog.products,
    catalog.products.map((p) => p.popularity),
  );
  const pickUser = userPicker(users);
  const tastes = users.map(
    (u) =>
      new Weighted(
        u.taste.map((_, t) => t),
        [...u.taste],
      ),
  );
  const hours = new Weighted(
    HOURLY.map((_, h) => h),
    HOURLY,
  );
  const owned = new Set<string>();
  const start = windowStartMs(options);
  const sessionWidth = idWidth(options.events, 7);
  const events: ShopEvent[] = [];

  const fromTop = (lang: string, top: number): Product => {
    const other = lang === "zh" ? "en" : "zh";
    // A top with nothing in the user's language falls back to the other language.
    const pool = pools.byTop.get(`${lang}:${top}`) ?? pools.byTop.get(`${other}:${top}`);
    return (pool ?? anyProduct).draw(rng);
  };

  for (let session = 0; events.length < options.events; session++) {
    const user = pickUser.draw(rng);
    const sessionId = `S${String(session).padStart(sessionWidth, "0")}`;
    const lang = user.language;
    let top = tastes[user.index]!.draw(rng);
    let t = start + rng.int(options.days) * DAY_MS + hours.draw(rng) * 3_600_000 + rng.int(3_600_000);
    const emit = (e: Omit<ShopEvent, "userId" | "sessionId" | "timestamp">, gapSeconds: number) => {
      t += Math.round((1 + rng.next() * gapSeconds) * 1000);
      events.push({ userId: user.id, sessionId, timestamp: t, ...e });
    };
    let results: Weighted<Product> | undefined;
    const queryPool = pools.queriesByTop.get(`${lang}:${top}`);
    if (queryPool && rng.chance(P_SEARCH)) {
      const q = queryPool.draw(rng);
      emit({ eventType: "search", query: queries.queries[q]!.text }, 5);
      results = pools.results.get(q);
    }
    const seen = new Set<number>();
    let prev: Product | undefined;
    const nItems = Math.min(rng.geometric(0.35), MAX_ITEMS);
    for (let j = 0; j < nItems; j++) {
      let item: Product | undefined;
      for (let attempt = 0; attempt < 3 && (item === undefined || seen.has(item.index)); attempt++) {
        if (results && rng.chance(j === 0 ? 0.85 : 0.4)) item = results.draw(rng);
        else if (j === 0 && rng.chance(user.loyalty))
          item = pools.byBrand.get(user.favouriteBrand[top]!)?.draw(rng) ?? fromTop(lang, top);
        else if (prev && rng.chance(P_SAME_LEAF))
          item = (
            pools.byLeaf.get(`${lang}:${prev.leaf}`) ?? pools.byLeaf.get(`${prev.language}:${prev.leaf}`)!
          ).draw(rng);
        else {
          if (!rng.chance(P_KEEP_TOP)) top = tastes[user.index]!.draw(rng);
          item = fromTop(lang, top);
        }
      }
      // Shoppers move on rather than reopen what they just saw.
      if (item === undefined || seen.has(item.index)) break;
      seen.add(item.index);
      prev = item;
      funnel(item);
    }

    function funnel(p: Product): void {
      const leaf = LEAVES[p.leaf]!;
      // Sensitive users shy away from products priced above their category's norm.
      const priceFactor = Math.min(
        2,
        Math.max(0.2, (p.priceUsd / leaf.price) ** (-1.5 * user.priceSensitivity)),
      );
      const loved = user.favouriteBrand[p.top] === p.brand;
      emit({ eventType: "view", itemId: p.id }, 40);
      if (!rng.chance(P_CLICK * (loved ? 1.4 : 1))) return;
      emit({ eventType: "click", itemId: p.id }, 15);
      if (!rng.chance(Math.min(0.9, P_CART * priceFactor))) return;
      const quantity = leaf.consumable ? rng.between(1, 3) : 1;
      emit({ eventType: "add_to_cart", itemId: p.id, price: p.price, quantity }, 25);
      // Nobody buys the same phone twice; a consumable is bought again and again.
      const key = `${user.index}:${p.index}`;
      if (!leaf.consumable && owned.has(key)) return;
      if (!rng.chance(Math.min(0.95, P_BUY * priceFactor))) return;
      owned.add(key);
      emit({ eventType: "purchase", itemId: p.id, price: p.price, quantity }, 60);
    }
  }
  // The last session may overshoot; its tail goes, and a funnel's prefix is still a funnel.
  events.length = options.events;
  return events
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].timestamp - b[0].timestamp || a[1] - b[1])
    .map(([e]) => e);
}
