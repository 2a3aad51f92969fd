import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { JOB_STATUSES, type JobStatus } from "../../catalog/jobs.js";
import { JSONScalar } from "../common/scalars.js";

export const JobStatusEnum = Object.fromEntries(JOB_STATUSES.map((s) => [s, s])) as { [K in JobStatus]: K };

registerEnumType(JobStatusEnum, {
  name: "JobStatus",
  description: "QUEUED -> ACTIVE -> COMPLETED or FAILED.",
});

@ObjectType({
  description:
    "A queued piece of work (ingest, feature build, training) and its outcome. Needs the STEWARD role.",
})
export class Job {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "The queue it runs on." })
  queue!: string;

  @Field(() => String, { description: "What it does, e.g. `retrain`." })
  name!: string;

  @Field(() => JobStatusEnum)
  status!: string;

  @Field(() => JSONScalar, { nullable: true, description: "Its input." })
  data!: unknown;

  @Field(() => JSONScalar, { nullable: true, description: "The last progress its worker reported." })
  progress!: unknown;

  @Field(() => JSONScalar, { nullable: true, description: "What it returned, once COMPLETED." })
  result!: unknown;

  @Field(() => String, { nullable: true, description: "Why it failed, once FAILED." })
  error!: string | null;

  @Field(() => Int, { description: "Attempts made so far." })
  attempts!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}
