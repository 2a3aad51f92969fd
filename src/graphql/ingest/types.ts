import { Field, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../common/connection.js";
import { JSONScalar } from "../common/scalars.js";

@ObjectType({
  description:
    "One ingestion of a file or batch: every input row is either accepted or quarantined, so inputRows = accepted + quarantined. Needs the STEWARD role.",
})
export class IngestRun {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "products, events or judgements." })
  kind!: string;

  @Field(() => String, { description: "Where the rows came from (a file path, `api`)." })
  source!: string;

  @Field(() => String, { description: "csv, tsv, jsonl, parquet ..." })
  format!: string;

  @Field(() => String, { description: "RUNNING, COMPLETED or FAILED." })
  status!: string;

  @Field(() => Int)
  inputRows!: number;

  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  quarantined!: number;

  @Field(() => JSONScalar, {
    nullable: true,
    description: "Counts per duplicate rule and other figures of the run.",
  })
  stats!: unknown;

  @Field(() => String, { nullable: true, description: "Why the run failed as a whole, if it did." })
  error!: string | null;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType({ description: "An input row the ingester refused, with the check it failed." })
export class QuarantineRow {
  @Field(() => Int, { description: "1-based position of the row in the input (header excluded)." })
  rowNumber!: number;

  @Field(() => JSONScalar, { description: "The row as read." })
  raw!: unknown;

  @Field(() => String, { nullable: true, description: "The canonical field that failed, if one did." })
  field!: string | null;

  @Field(() => String, {
    description: "The check that failed (`required`, `range`, `enum`, `reference` ...).",
  })
  check!: string;

  @Field(() => String)
  reason!: string;
}

@ObjectType()
export class QuarantineRowConnection extends Connection(QuarantineRow, "QuarantineRow") {}
