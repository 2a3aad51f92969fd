import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { VERSION_STATUSES, type VersionStatus } from "../../catalog/features.js";
import { Connection } from "../common/connection.js";
import { JSONScalar } from "../common/scalars.js";

export const VersionStatusEnum = Object.fromEntries(VERSION_STATUSES.map((s) => [s, s])) as {
  [K in VersionStatus]: K;
};

registerEnumType(VersionStatusEnum, {
  name: "VersionStatus",
  description:
    "STAGED (registered, not served) -> ACTIVE (in the served release) -> DEPRECATED; ERASED once its data was erased.",
});

@ObjectType({
  description:
    "Something computed from catalog rows (embeddings, an index, a trained model ...), kept as numbered immutable versions. Needs the STEWARD role.",
})
export class Feature {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Unique, e.g. `item_embeddings`." })
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true, description: "Who answers for it (a team or a person)." })
  owner!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  /** Stored JSON array; the `tags` field resolver reads it. */
  tags!: unknown;
}

@ObjectType({
  description:
    "One immutable version of a feature: what made it (params, job, inputs), what it holds (artifact, content hash) and how good it is. Needs the STEWARD role.",
})
export class FeatureVersion {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "1, 2, 3 ... per feature." })
  number!: number;

  @Field(() => VersionStatusEnum)
  status!: string;

  @Field(() => JSONScalar, { nullable: true, description: "The parameters it was built with." })
  params!: unknown;

  @Field(() => JSONScalar, { nullable: true, description: "Evaluation figures, e.g. ndcg@10." })
  metrics!: unknown;

  @Field(() => JSONScalar, { nullable: true, description: "Quality profile of its data." })
  quality!: unknown;

  @Field(() => String, { nullable: true, description: "SHA-256 of the artifact's content." })
  contentHash!: string | null;

  @Field(() => String, { nullable: true, description: "Path of the artifact inside the artifact store." })
  artifact!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "Point-in-time bound: the last event seq its producer could read.",
  })
  eventBound!: number | null;

  @Field(() => Date, { nullable: true, description: "When the catalog snapshot it read was taken." })
  snapshotAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  deprecatedAt!: Date | null;

  featureId!: string;
  jobId!: string | null;
}

@ObjectType()
export class FeatureVersionConnection extends Connection(FeatureVersion, "FeatureVersion") {}

@ObjectType({
  description:
    "One node reached by a lineage walk; exactly one of `version`, `ingestRun` and `external` is set. Needs the STEWARD role.",
})
export class LineageLink {
  @Field(() => Int, { description: "Hops from the version asked about: 1 for a direct input or consumer." })
  depth!: number;

  @Field(() => String, { nullable: true, description: "The role the input plays (`corpus`, `encoder` ...)." })
  role!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "An input outside the catalog: a package and its version, a file and its hash.",
  })
  external!: string | null;

  versionId!: string | null;
  ingestRunId!: string | null;
}

@ObjectType({ description: "A pinned set of feature versions served together." })
export class Release {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  number!: number;

  @Field(() => String, { description: "ACTIVE for the one being served, RETIRED for the others." })
  status!: string;

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}
