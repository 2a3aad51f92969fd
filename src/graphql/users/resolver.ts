import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { listUserEvents, listUsers } from "../../catalog/events.js";
import { InputError } from "../../errors.js";
import { recordEvents } from "../../ingest/index.js";
import { decodeCursor, pageSize, toConnection } from "../common/connection.js";
import type { GraphQLContext } from "../context.js";
import { Product } from "../products/types.js";
import { Event, EventConnection, EventInput, RecordEventsResult, User, UserConnection } from "./types.js";

@Resolver(() => User)
export class UserResolver {
  @Authorized("VIEWER")
  @Query(() => User, { nullable: true })
  user(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    return ctx.loaders.user.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => UserConnection)
  async users(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ): Promise<UserConnection> {
    const n = pageSize(first, ctx.settings.maxPageSize);
    const rows = await listUsers(ctx.prisma, {
      take: n,
      afterId: after ? decodeCursor(after, "string") : null,
    });
    return toConnection(rows, n, (r) => r.id);
  }

  @Authorized("VIEWER")
  @FieldResolver(() => EventConnection, { description: "The user's events, newest first." })
  async events(
    @Root() user: User,
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ): Promise<EventConnection> {
    const n = pageSize(first, ctx.settings.maxPageSize);
    const beforeSeq = after ? decodeCursor(after, "number") : null;
    const rows = await listUserEvents(ctx.prisma, { userId: user.id, take: n, beforeSeq });
    return toConnection(rows, n, (r) => r.seq);
  }

  @Authorized("VIEWER")
  @Mutation(() => RecordEventsResult, {
    description:
      "Records behaviour events; answers only after they are committed, so an acknowledged event survives a crash.",
  })
  async recordEvents(
    @Arg("events", () => [EventInput]) events: EventInput[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecordEventsResult> {
    if (events.length > ctx.settings.maxBatch)
      throw new InputError("events", `at most ${ctx.settings.maxBatch} per call`);
    const receivedAt = new Date();
    const stamped = events.map((e) => ({ ...e, timestamp: e.timestamp ?? receivedAt }));
    return recordEvents(ctx.catalog, stamped, ctx.settings);
  }
}

@Resolver(() => Event)
export class EventResolver {
  @FieldResolver(() => Product, { nullable: true })
  product(@Root() event: Event, @Ctx() ctx: GraphQLContext): Promise<Product | null> | null {
    return event.productId ? ctx.loaders.product.load(event.productId) : null;
  }

  @FieldResolver(() => User)
  async user(@Root() event: Event, @Ctx() ctx: GraphQLContext): Promise<User> {
    return (await ctx.loaders.user.load(event.userId))!;
  }
}
