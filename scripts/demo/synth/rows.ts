/**
 * The shop as rows under the canonical field names, with the planted malformed rows of each
 * file among them.
 */
import { type Catalog, productId } from "./catalog.js";
import {
  BAD_VALUES,
  farFuture,
  type Maker,
  nth,
  type Planted,
  plant,
  type Row,
  UNDECODABLE,
} from "./defects.js";
import type { ShopEvent } from "./events.js";
import type { QuerySet } from "./queries.js";
import type { Rng } from "./rng.js";

export const PRODUCT_COLUMNS = [
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
] as const;
export const EVENT_FIELDS = [
  "user_id",
  "session_id",
  "item_id",
  "event_type",
  "timestamp",
  "query",
  "price",
  "quantity",
] as const;
export const JUDGEMENT_COLUMNS = ["query", "item_id", "relevance"] as const;

/** An id that no product has: one digit longer than every real id. */
export function unknownProductId(catalog: Catalog, k: number): string {
  return `P${10 ** catalog.idWidth + k}`;
}

/** Product rows, with `perKind` bad rows of each product defect under fresh ids. */
export function productRows(rng: Rng, catalog: Catalog, perKind: number): Planted {
  const good: Row[] = catalog.products.map((p) => ({
    item_id: p.id,
    title: p.title,
    description: p.description,
    brand: p.brand,
    category: p.category,
    price: p.price.toFixed(2),
    currency: p.currency,
    stock: String(p.stock),
    attributes: JSON.stringify(p.attributes),
    image_url: p.imageUrl,
    language: p.language,
  }));
  let fresh = catalog.products.length;
  // Each bad row is a real listing under an id of its own, with one thing wrong.
  const copy = (rng: Rng, change: (row: Row) => Row): Row => {
    const id = productId(fresh++, catalog.idWidth);
    return change({ ...rng.pick(good), item_id: id, image_url: `https://images.shopmind.example/${id}.jpg` });
  };
  const makers: Record<string, Maker> = {
    bad_price: (rng, k) => copy(rng, (r) => ({ ...r, price: nth(BAD_VALUES.prices, k) })),
    missing_title: (rng) => copy(rng, (r) => ({ ...r, title: "" })),
    invalid_enum: (rng) => copy(rng, (r) => ({ ...r, currency: BAD_VALUES.currency })),
    undecodable_bytes: (rng) => copy(rng, (r) => ({ ...r, title: `${r.title} ${UNDECODABLE}` })),
  };
  return plant(rng, good, makers, perKind);
}

/** ISO 8601 in UTC with milliseconds. */
const iso = (ms: number): string => new Date(ms).toISOString();

function eventRow(e: ShopEvent): Row {
  const row: Row = { user_id: e.userId, session_id: e.sessionId };
  if (e.itemId !== undefined) row.item_id = e.itemId;
  row.event_type = e.eventType;
  row.timestamp = iso(e.timestamp);
  if (e.query !== undefined) row.query = e.query;
  if (e.price !== undefined) row.price = e.price;
  if (e.quantity !== undefined) row.quantity = e.quantity;
  return row;
}

/** Event rows, with `perKind` bad copies of real events for each event defect. */
export function eventRows(
  rng: Rng,
  catalog: Catalog,
  events: readonly ShopEvent[],
  perKind: number,
): Planted {
  const good = events.map(eventRow);
  const withItem = good.filter((r) => r.item_id !== undefined);
  const priced = good.filter((r) => r.price !== undefined);
  const searches = good.filter((r) => r.event_type === "search");
  // A copy one millisecond later, so that it never reads as a repeat of its original.
  const later = (row: Row): Row => ({ ...row, timestamp: iso(Date.parse(String(row.timestamp)) + 1) });
  const pickFrom = (rows: Row[]) => (rows.length > 0 ? rng.pick(rows) : rng.pick(good));
  const makers: Record<string, Maker> = {
    // A number where JSON allows one, a word where it does not parse as one.
    bad_price: (_, k) => ({
      ...later(pickFrom(priced.length > 0 ? priced : withItem)),
      price: k % 2 ? -12.5 : "abc",
    }),
    unknown_product: (_, k) => ({ ...later(pickFrom(withItem)), item_id: unknownProductId(catalog, k) }),
    future_timestamp: () => {
      const row = pickFrom(good);
      return { ...row, timestamp: farFuture(String(row.timestamp)) };
    },
    invalid_enum: () => ({ ...later(pickFrom(good)), event_type: BAD_VALUES.eventType }),
    undecodable_bytes: () => {
      const row = later(pickFrom(searches));
      return row.query !== undefined
        ? { ...row, query: `${row.query} ${UNDECODABLE}` }
        : { ...row, session_id: `${row.session_id}${UNDECODABLE}` };
    },
  };
  return plant(rng, good, makers, perKind);
}

/** Judgement rows, with `perKind` bad rows for each judgement defect on pairs nobody judged. */
export function judgementRows(rng: Rng, catalog: Catalog, queries: QuerySet, perKind: number): Planted {
  const products = catalog.products;
  const texts = queries.queries.map((q) => q.text);
  const good: Row[] = queries.judgements.map((j) => ({
    query: texts[j.query]!,
    item_id: products[j.product]!.id,
    relevance: String(j.relevance),
  }));
  const judged = new Set(good.map((r) => `${r.query}\t${r.item_id}`));
  const someQuery = () => (texts.length > 0 ? rng.pick(texts) : "gift ideas");
  // A pair that no good row has, so that a bad row is never mistaken for a re-judgement.
  const freshPair = (): { query: string; item_id: string } => {
    let pair = { query: someQuery(), item_id: rng.pick(products).id };
    // A catalog so small that every pair is judged keeps the last draw: the defect still stands.
    for (let tries = 0; tries < 1000 && judged.has(`${pair.query}\t${pair.item_id}`); tries++)
      pair = { query: someQuery(), item_id: rng.pick(products).id };
    judged.add(`${pair.query}\t${pair.item_id}`);
    return pair;
  };
  const makers: Record<string, Maker> = {
    bad_relevance: (_, k) => ({ ...freshPair(), relevance: nth(BAD_VALUES.relevances, k) }),
    unknown_product: (_, k) => ({
      query: someQuery(),
      item_id: unknownProductId(catalog, 1000 + k),
      relevance: "1",
    }),
    missing_query: () => ({ ...freshPair(), query: "", relevance: "2" }),
    undecodable_bytes: () => {
      const pair = freshPair();
      return { ...pair, query: `${pair.query} ${UNDECODABLE}`, relevance: "1" };
    },
  };
  return plant(rng, good, makers, perKind);
}
