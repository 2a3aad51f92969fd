import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import {
  activeOf,
  featureByName,
  featureTags,
  listFeatures,
  pageOfVersions,
} from "../../catalog/features.js";
import {
  checkDepth,
  type LineageDirection,
  type LineageLink as Link,
  walkLineage,
} from "../../catalog/lineage.js";
import { decodeCursor, pageSize, toConnection } from "../common/connection.js";
import type { GraphQLContext } from "../context.js";
import { IngestRun } from "../ingest/types.js";
import { Job } from "../jobs/types.js";
import { loadAll } from "../loaders.js";
import { Feature, FeatureVersion, FeatureVersionConnection, LineageLink, Release } from "./types.js";

const STEWARD_NOTE = "Needs the STEWARD role.";

@Resolver(() => Feature)
export class FeatureResolver {
  @Authorized("STEWARD")
  @Query(() => [Feature], { description: `Every feature, by name. ${STEWARD_NOTE}` })
  async features(@Ctx() ctx: GraphQLContext): Promise<Feature[]> {
    const rows = await listFeatures(ctx.prisma);
    for (const row of rows) ctx.loaders.feature.prime(row.id, row);
    return rows;
  }

  @Authorized("STEWARD")
  @Query(() => Feature, {
    nullable: true,
    description: `A feature by name; null when there is none. ${STEWARD_NOTE}`,
  })
  async feature(
    @Arg("name", () => String) name: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Feature | null> {
    const row = await featureByName(ctx.prisma, name);
    if (row) ctx.loaders.feature.prime(row.id, row);
    return row;
  }

  @FieldResolver(() => [String], { description: "Labels such as `pii`, `free_text`, `experimental`." })
  tags(@Root() feature: Feature): string[] {
    return featureTags(feature);
  }

  @Authorized("STEWARD")
  @FieldResolver(() => FeatureVersionConnection, {
    description: `Its versions, newest first. ${STEWARD_NOTE}`,
  })
  async versions(
    @Root() feature: Feature,
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ): Promise<FeatureVersionConnection> {
    const n = pageSize(first, ctx.settings.maxPageSize);
    const beforeNumber = after ? decodeCursor(after, "number") : null;
    // A feature has tens of versions, not millions: one loader query for every feature in the
    // response, paged here, costs less than one windowed query per feature.
    const rows = pageOfVersions(await ctx.loaders.versionsOfFeature.load(feature.id), {
      take: n,
      beforeNumber,
    });
    for (const row of rows) ctx.loaders.version.prime(row.id, row);
    return toConnection(rows, n, (r) => r.number);
  }

  @Authorized("STEWARD")
  @FieldResolver(() => FeatureVersion, {
    nullable: true,
    description: `The newest version, whatever its status. ${STEWARD_NOTE}`,
  })
  async latest(@Root() feature: Feature, @Ctx() ctx: GraphQLContext): Promise<FeatureVersion | null> {
    return (await ctx.loaders.versionsOfFeature.load(feature.id))[0] ?? null;
  }

  @Authorized("STEWARD")
  @FieldResolver(() => FeatureVersion, {
    nullable: true,
    description: `The version being served (ACTIVE), if any. ${STEWARD_NOTE}`,
  })
  async activeVersion(@Root() feature: Feature, @Ctx() ctx: GraphQLContext): Promise<FeatureVersion | null> {
    return activeOf(await ctx.loaders.versionsOfFeature.load(feature.id));
  }
}

function walk(
  root: FeatureVersion,
  direction: LineageDirection,
  depth: number | null,
  ctx: GraphQLContext,
): Promise<Link[]> {
  const loader = direction === "upstream" ? ctx.loaders.inputsOf : ctx.loaders.consumersOf;
  return walkLineage({
    start: [root.id],
    direction,
    depth: checkDepth(depth),
    edgesOf: (ids) => loadAll(loader, ids),
  });
}

@Resolver(() => FeatureVersion)
export class FeatureVersionResolver {
  @Authorized("STEWARD")
  @Query(() => FeatureVersion, {
    nullable: true,
    description: `A feature version by id; null when there is none. ${STEWARD_NOTE}`,
  })
  featureVersion(
    @Arg("id", () => ID) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<FeatureVersion | null> {
    return ctx.loaders.version.load(id);
  }

  @FieldResolver(() => Feature)
  async feature(@Root() version: FeatureVersion, @Ctx() ctx: GraphQLContext): Promise<Feature> {
    return (await ctx.loaders.feature.load(version.featureId))!;
  }

  @Authorized("STEWARD")
  @FieldResolver(() => Job, { nullable: true, description: `The job that produced it. ${STEWARD_NOTE}` })
  job(@Root() version: FeatureVersion, @Ctx() ctx: GraphQLContext): Promise<Job | null> | null {
    return version.jobId ? ctx.loaders.job.load(version.jobId) : null;
  }

  @Authorized("STEWARD")
  @FieldResolver(() => [LineageLink], {
    description: `What it was made from: its inputs, their inputs ... up to \`depth\` hops (1 to 10), nearest first, each node once. ${STEWARD_NOTE}`,
  })
  upstream(
    @Root() version: FeatureVersion,
    @Ctx() ctx: GraphQLContext,
    @Arg("depth", () => Int, { nullable: true, defaultValue: 1 }) depth: number | null,
  ): Promise<Link[]> {
    return walk(version, "upstream", depth, ctx);
  }

  @Authorized("STEWARD")
  @FieldResolver(() => [LineageLink], {
    description: `What was made from it: the versions that read it, their consumers ... up to \`depth\` hops (1 to 10), nearest first. ${STEWARD_NOTE}`,
  })
  downstream(
    @Root() version: FeatureVersion,
    @Ctx() ctx: GraphQLContext,
    @Arg("depth", () => Int, { nullable: true, defaultValue: 1 }) depth: number | null,
  ): Promise<Link[]> {
    return walk(version, "downstream", depth, ctx);
  }

  @Authorized("STEWARD")
  @FieldResolver(() => [Release], {
    description: `The releases that pinned it, newest first. ${STEWARD_NOTE}`,
  })
  releases(@Root() version: FeatureVersion, @Ctx() ctx: GraphQLContext): Promise<Release[]> {
    return ctx.loaders.releasesOfVersion.load(version.id);
  }
}

@Resolver(() => LineageLink)
export class LineageLinkResolver {
  @FieldResolver(() => FeatureVersion, { nullable: true })
  version(@Root() link: LineageLink, @Ctx() ctx: GraphQLContext): Promise<FeatureVersion | null> | null {
    return link.versionId ? ctx.loaders.version.load(link.versionId) : null;
  }

  @FieldResolver(() => IngestRun, { nullable: true })
  ingestRun(@Root() link: LineageLink, @Ctx() ctx: GraphQLContext): Promise<IngestRun | null> | null {
    return link.ingestRunId ? ctx.loaders.ingestRun.load(link.ingestRunId) : null;
  }
}
