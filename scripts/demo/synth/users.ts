/**
 * Users and their hidden tastes: which categories they shop, which brand they favour in each,
 * how price-sensitive and how active they are. Events follow from these; nothing here is written
 * to a file, which is what makes the tastes something a recommender has to discover.
 */
import { brandsOf, type Catalog, idWidth, type Lang, N_TOPS } from "./catalog.js";
import type { ShopOptions } from "./options.js";
import { Rng, Weighted } from "./rng.js";

export type User = {
  readonly index: number;
  readonly id: string;
  readonly language: Lang;
  /** Top category weights (sum 1), with the mass on one to three favourites. */
  readonly taste: readonly number[];
  /** Favourite brand in each top category, among the brands selling in the user's language. */
  readonly favouriteBrand: readonly string[];
  /** Chance that a session starts from the favourite brand. */
  readonly loyalty: number;
  /** 0..1: how strongly a price above the category's norm puts the user off buying. */
  readonly priceSensitivity: number;
  /** Relative share of all sessions this user starts (heavy-tailed). */
  readonly activity: number;
};

/** Draws the users; tastes lean towards categories the catalog stocks in the user's language. */
export function buildUsers(options: ShopOptions, catalog: Catalog): User[] {
  const rng = new Rng(options.seed, "users");
  const n = options.users;
  const hasChinese = catalog.products.some((p) => p.language === "zh");
  const zh = new Set(
    hasChinese ? rng.shuffled([...Array(n).keys()]).slice(0, Math.round(n * options.zhFraction)) : [],
  );
  const share: Record<Lang, number[]> = { en: Array(N_TOPS).fill(1), zh: Array(N_TOPS).fill(1) };
  for (const p of catalog.products) share[p.language][p.top]! += 1;
  const width = idWidth(n, 5);
  const users: User[] = [];
  for (let i = 0; i < n; i++) {
    const language: Lang = zh.has(i) ? "zh" : "en";
    // Favourite tops by Gumbel-max keys over the catalog's own mix: common tops are loved more often.
    const keys = share[language].map((s) => Math.log(s) - Math.log(-Math.log(1 - rng.next())));
    const ranked = keys.map((k, t) => [k, t] as const).sort((a, b) => b[0] - a[0]);
    const favourites = new Set(ranked.slice(0, rng.between(1, 3)).map(([, t]) => t));
    const raw = Array.from({ length: N_TOPS }, (_, t) => rng.gamma(favourites.has(t) ? 3.08 : 0.08));
    const total = raw.reduce((a, b) => a + b, 0);
    users.push({
      index: i,
      id: `U${String(i).padStart(width, "0")}`,
      language,
      taste: raw.map((w) => w / total),
      favouriteBrand: Array.from({ length: N_TOPS }, (_, t) => rng.pick(brandsOf(t, language))),
      loyalty: Math.min(0.9, rng.gamma(2) / 5),
      priceSensitivity: rng.next(),
      activity: rng.lognormal(0, 1.1),
    });
  }
  return users;
}

/** A draw of a user weighted by activity. */
export function userPicker(users: readonly User[]): Weighted<User> {
  return new Weighted(
    users,
    users.map((u) => u.activity),
  );
}
