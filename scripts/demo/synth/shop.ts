/**
 * A whole synthetic shop from one seed: catalog, users, queries with judgements, events, and
 * the rows of each file with their planted malformed rows. Same seed, same shop.
 */
import { buildCatalog, type Catalog } from "./catalog.js";
import type { Planted } from "./defects.js";
import { buildEvents, type ShopEvent } from "./events.js";
import { type ShopOptions, type ShopOptionsInput, shopOptions } from "./options.js";
import { buildQueries, type QuerySet } from "./queries.js";
import { Rng } from "./rng.js";
import { eventRows, judgementRows, productRows } from "./rows.js";
import { buildUsers, type User } from "./users.js";

export type Shop = {
  readonly options: ShopOptions;
  readonly catalog: Catalog;
  readonly users: readonly User[];
  readonly queries: QuerySet;
  readonly events: readonly ShopEvent[];
  /** The rows of each file, planted rows included, and where they were planted. */
  readonly files: { readonly products: Planted; readonly events: Planted; readonly judgements: Planted };
};

/** Builds the shop in memory (validates `input` first; throws InputError on a bad option). */
export function generateShop(input: ShopOptionsInput = {}): Shop {
  const options = shopOptions(input);
  const catalog = buildCatalog(options);
  const users = buildUsers(options, catalog);
  const queries = buildQueries(options, catalog);
  const events = buildEvents(options, catalog, users, queries);
  const per = options.defectsPerKind;
  return {
    options,
    catalog,
    users,
    queries,
    events,
    files: {
      products: productRows(new Rng(options.seed, "defects.products"), catalog, per),
      events: eventRows(new Rng(options.seed, "defects.events"), catalog, events, per),
      judgements: judgementRows(new Rng(options.seed, "defects.judgements"), catalog, queries, per),
    },
  };
}
