import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { enqueueRetrain } from "../../../jobs/retrain.js";
import { audit } from "../../catalog/audit.js";
import { type JobStatus, listJobs } from "../../catalog/jobs.js";
import { pageSize } from "../common/connection.js";
import { JSONScalar } from "../common/scalars.js";
import type { GraphQLContext } from "../context.js";
import { FeatureVersion } from "../features/types.js";
import { Job, JobStatusEnum } from "./types.js";

// Stewards read jobs as well as admins: a version's lineage names the job that made it, and a
// steward who asks for a retrain needs to follow it.
const STEWARD_NOTE = "Needs the STEWARD role.";

@Resolver(() => Job)
export class JobResolver {
  @Authorized("STEWARD")
  @Query(() => [Job], {
    description: `The newest jobs first, optionally only those with one status. ${STEWARD_NOTE}`,
  })
  async jobs(
    @Ctx() ctx: GraphQLContext,
    @Arg("status", () => JobStatusEnum, { nullable: true }) status?: JobStatus | null,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
  ): Promise<Job[]> {
    const rows = await listJobs(ctx.prisma, {
      take: pageSize(first, ctx.settings.maxPageSize),
      status: status ?? null,
    });
    for (const row of rows) ctx.loaders.job.prime(row.id, row);
    return rows;
  }

  @Authorized("STEWARD")
  @Query(() => Job, { nullable: true, description: `A job by id; null when there is none. ${STEWARD_NOTE}` })
  job(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Job | null> {
    return ctx.loaders.job.load(id);
  }

  @Authorized("STEWARD")
  @FieldResolver(() => [FeatureVersion], {
    description: `The feature versions it registered. ${STEWARD_NOTE}`,
  })
  versions(@Root() job: Job, @Ctx() ctx: GraphQLContext): Promise<FeatureVersion[]> {
    return ctx.loaders.versionsOfJob.load(job.id);
  }

  @Authorized("STEWARD")
  @Mutation(() => Job, {
    description: `Queues a retrain of a feature on the catalog as it is now; follow it with \`job(id)\`. ${STEWARD_NOTE}`,
  })
  async retrain(
    @Arg("feature", () => String) feature: string,
    @Ctx() ctx: GraphQLContext,
    @Arg("params", () => JSONScalar, {
      nullable: true,
      description: "The trainer's params; defaults fill the rest.",
    })
    params?: unknown,
  ): Promise<Job> {
    const job = await enqueueRetrain(ctx.catalog, ctx.settings, { feature, params: params ?? undefined });
    await audit(ctx.prisma, {
      actor: ctx.principal,
      action: "retrain",
      target: job.id,
      details: { feature, params: (job.data as { params?: unknown } | null)?.params ?? null },
    });
    return job;
  }
}
