import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { QuarantineRow as QuarantineRecord } from "../../catalog/generated/sqlite/client.js";
import { listIngestRuns, parseQuarantineKey, quarantineKey } from "../../catalog/ingestRuns.js";
import { checkDepth, downstreamOfRun, type LineageLink as Link } from "../../catalog/lineage.js";
import { decodeCursor, pageSize, toConnection } from "../common/connection.js";
import type { GraphQLContext } from "../context.js";
import { LineageLink } from "../features/types.js";
import { loadAll } from "../loaders.js";
import { IngestRun, QuarantineRow, QuarantineRowConnection } from "./types.js";

const STEWARD_NOTE = "Needs the STEWARD role.";

// The ingester stores each refused row JSON-encoded; clients get it back as JSON, or as the text
// itself should a row ever hold something that does not parse.
function toQuarantineRow(row: QuarantineRecord): QuarantineRow & { id: number } {
  let raw: unknown = row.raw;
  try {
    raw = JSON.parse(row.raw);
  } catch {
    // keep the text as stored
  }
  return {
    id: row.id,
    rowNumber: row.rowNumber,
    raw,
    field: row.field,
    check: row.check,
    reason: row.reason,
  };
}

@Resolver(() => IngestRun)
export class IngestRunResolver {
  @Authorized("STEWARD")
  @Query(() => [IngestRun], { description: `The newest ingest runs first. ${STEWARD_NOTE}` })
  async ingestRuns(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
  ): Promise<IngestRun[]> {
    const rows = await listIngestRuns(ctx.prisma, { take: pageSize(first, ctx.settings.maxPageSize) });
    for (const row of rows) ctx.loaders.ingestRun.prime(row.id, row);
    return rows;
  }

  @Authorized("STEWARD")
  @Query(() => IngestRun, {
    nullable: true,
    description: `An ingest run by id; null when there is none. ${STEWARD_NOTE}`,
  })
  ingestRun(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<IngestRun | null> {
    return ctx.loaders.ingestRun.load(id);
  }

  @Authorized("STEWARD")
  @FieldResolver(() => QuarantineRowConnection, {
    description: `The rows it refused, in input order. ${STEWARD_NOTE}`,
  })
  async quarantine(
    @Root() run: IngestRun,
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
  ): Promise<QuarantineRowConnection> {
    const take = pageSize(first, ctx.settings.maxPageSize);
    const position = after ? parseQuarantineKey(decodeCursor(after, "string")) : null;
    const rows = await ctx.loaders.quarantine.load({ runId: run.id, take, after: position });
    return toConnection(rows.map(toQuarantineRow), take, quarantineKey);
  }

  @Authorized("STEWARD")
  @FieldResolver(() => [LineageLink], {
    description: `The feature versions made from this run: those that read it (depth 1), their consumers ... up to \`depth\` hops (1 to 10). ${STEWARD_NOTE}`,
  })
  async downstream(
    @Root() run: IngestRun,
    @Ctx() ctx: GraphQLContext,
    @Arg("depth", () => Int, { nullable: true, defaultValue: 1 }) depth: number | null,
  ): Promise<Link[]> {
    const hops = checkDepth(depth);
    return downstreamOfRun({
      runEdges: await ctx.loaders.consumersOfRun.load(run.id),
      depth: hops,
      consumersOf: (ids) => loadAll(ctx.loaders.consumersOf, ids),
    });
  }
}
