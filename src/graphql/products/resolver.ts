import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { audit } from "../../catalog/audit.js";
import { listProducts } from "../../catalog/products.js";
import { upsertProducts } from "../../ingest/index.js";
import { decodeCursor, pageSize, toConnection } from "../common/connection.js";
import type { GraphQLContext } from "../context.js";
import { Product, ProductConnection, ProductFilter, ProductInput, UpsertResult } from "./types.js";

@Resolver(() => Product)
export class ProductResolver {
  @Authorized("VIEWER")
  @Query(() => Product, { nullable: true })
  product(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Product | null> {
    return ctx.loaders.product.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => ProductConnection)
  async products(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("filter", () => ProductFilter, { nullable: true }) filter?: ProductFilter | null,
  ): Promise<ProductConnection> {
    const n = pageSize(first, ctx.settings.maxPageSize);
    const afterId = after ? decodeCursor(after, "string") : null;
    const rows = await listProducts(ctx.prisma, { take: n, afterId, filter: filter ?? null });
    for (const row of rows) ctx.loaders.product.prime(row.id, row);
    return toConnection(rows, n, (r) => r.id);
  }

  @Authorized("STEWARD")
  @Mutation(() => UpsertResult, { description: "Creates or replaces products; all or none are written." })
  async upsertProducts(
    @Arg("products", () => [ProductInput]) products: ProductInput[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<UpsertResult> {
    const result = await upsertProducts(ctx.catalog, products, ctx.settings);
    await audit(ctx.prisma, {
      actor: ctx.principal,
      action: "upsertProducts",
      details: {
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        count: products.length,
      },
    });
    return result;
  }
}
