/** Reading products: filtered, keyset-paged by id. */

import type { CatalogClient } from "./client.js";
import type { Prisma, Product } from "./generated/sqlite/client.js";

export type ProductQuery = {
  brand?: string | null;
  /** A category path or a prefix of one ("Home > Kitchen" matches "Home > Kitchen > Knives"). */
  category?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  inStock?: boolean | null;
  language?: string | null;
};

function where(filter: ProductQuery): Prisma.ProductWhereInput {
  const and: Prisma.ProductWhereInput[] = [];
  if (filter.brand) and.push({ brand: filter.brand });
  if (filter.category)
    and.push({ OR: [{ category: filter.category }, { category: { startsWith: `${filter.category} >` } }] });
  if (filter.minPrice != null) and.push({ price: { gte: filter.minPrice } });
  if (filter.maxPrice != null) and.push({ price: { lte: filter.maxPrice } });
  if (filter.inStock === true) and.push({ stock: { gt: 0 } });
  if (filter.inStock === false) and.push({ OR: [{ stock: { lte: 0 } }, { stock: null }] });
  if (filter.language) and.push({ language: filter.language });
  return and.length ? { AND: and } : {};
}

/** One page of products after `afterId`, with one extra row so the caller knows if more follow. */
export function listProducts(
  prisma: CatalogClient,
  args: { take: number; afterId?: string | null; filter?: ProductQuery | null },
): Promise<Product[]> {
  const base = where(args.filter ?? {});
  return prisma.product.findMany({
    where: args.afterId ? { AND: [base, { id: { gt: args.afterId } }] } : base,
    orderBy: { id: "asc" },
    take: args.take + 1,
  });
}
