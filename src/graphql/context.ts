/** What every resolver receives: settings, the catalog, the caller, and this request's loaders. */
import type { Catalog, CatalogClient } from "../catalog/client.js";
import type { Principal } from "../catalog/keys.js";
import type { Settings } from "../config.js";
import type { Loaders } from "./loaders.js";

export type GraphQLContext = {
  settings: Settings;
  catalog: Catalog;
  /** Shorthand for catalog.prisma. */
  prisma: CatalogClient;
  principal: Principal | null;
  loaders: Loaders;
};
