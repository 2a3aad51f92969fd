import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { audit } from "../../catalog/audit.js";
import { createApiKey, type Role, revokeApiKey } from "../../catalog/keys.js";
import { RoleEnum } from "../common/roles.js";
import type { GraphQLContext } from "../context.js";
import { ApiKey, NewApiKey } from "./types.js";

@Resolver()
export class KeyResolver {
  @Authorized("ADMIN")
  @Query(() => [ApiKey])
  async apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    const rows = await ctx.prisma.apiKey.findMany({ orderBy: { createdAt: "asc" } });
    return rows.map((r) => ({ ...r, role: r.role as Role }));
  }

  @Authorized("ADMIN")
  @Mutation(() => NewApiKey)
  async createApiKey(
    @Arg("role", () => RoleEnum) role: Role,
    @Arg("name", () => String) name: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<NewApiKey> {
    const created = await createApiKey(ctx.prisma, { role, name });
    await audit(ctx.prisma, {
      actor: ctx.principal,
      action: "createApiKey",
      target: created.id,
      details: { role, name },
    });
    return created;
  }

  @Authorized("ADMIN")
  @Mutation(() => Boolean)
  async revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await revokeApiKey(ctx.prisma, id);
    await audit(ctx.prisma, { actor: ctx.principal, action: "revokeApiKey", target: id });
    return true;
  }
}
