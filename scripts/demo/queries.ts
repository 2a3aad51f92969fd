/**
 * The three GraphQL queries the demo prints for pasting into the playground, filled with names
 * from the shop it just built.
 */
import type { Shop } from "./synth/shop.js";
import { TOPS } from "./synth/vocab.js";

export type DemoQuery = { readonly title: string; readonly query: string };

/** The user with the most events: the one whose history is worth looking at. */
export function busiestUser(shop: Shop): string {
  const counts = new Map<string, number>();
  for (const e of shop.events) counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1);
  let best = shop.users[0]?.id ?? "U00000";
  for (const [id, n] of counts)
    if (n > (counts.get(best) ?? 0) || (n === counts.get(best) && id < best)) best = id;
  return best;
}

/** Products with a filter; a user with events; ingest runs with their quarantine rows. */
export function demoQueries(shop: Shop): DemoQuery[] {
  const hasChinese = shop.catalog.products.some((p) => p.language === "zh");
  const [en, zh] = TOPS[0]!;
  const filter = hasChinese
    ? `{ language: "zh", category: "${zh}", maxPrice: 2000 }`
    : `{ language: "en", category: "${en}", maxPrice: 300 }`;
  return [
    {
      title: hasChinese ? "Chinese electronics under 2000 CNY" : "Electronics under 300",
      query: `{
  products(first: 5, filter: ${filter}) {
    edges { node { id title brand category price currency stock attributes } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    },
    {
      title: "The busiest shopper's latest events",
      query: `{
  user(id: "${busiestUser(shop)}") {
    id
    events(first: 10) {
      edges { node { type timestamp query price quantity product { title brand } } }
    }
  }
}`,
    },
    {
      title: "Ingest runs and the rows they quarantined",
      query: `{
  ingestRuns(first: 3) {
    kind source inputRows accepted quarantined
    quarantine(first: 5) { edges { node { rowNumber field check reason } } }
  }
}`,
    },
  ];
}
