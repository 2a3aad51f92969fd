/** Reading ingest runs and the rows they quarantined. */
import { InputError } from "../errors.js";
import type { CatalogClient } from "./client.js";
import { type IngestRun, Prisma, type QuarantineRow } from "./generated/sqlite/client.js";

/** The newest `take` runs. */
export function listIngestRuns(prisma: CatalogClient, args: { take: number }): Promise<IngestRun[]> {
  return prisma.ingestRun.findMany({ orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: args.take });
}

/** Where a quarantine page starts: after this row (rows are ordered by rowNumber, then id). */
export type QuarantinePosition = { rowNumber: number; id: number };

/** The cursor text of a quarantine row's position. */
export function quarantineKey(row: Pick<QuarantineRow, "rowNumber" | "id">): string {
  return `${row.rowNumber}.${row.id}`;
}

/** Parses a position made by quarantineKey; `field` names the argument it came from. */
export function parseQuarantineKey(key: string, field = "after"): QuarantinePosition {
  const match = /^(\d+)\.(\d+)$/.exec(key);
  if (!match) throw new InputError(field, "is not a cursor this list gave out");
  return { rowNumber: Number(match[1]), id: Number(match[2]) };
}

type RawQuarantineRow = {
  id: number | bigint;
  runId: string;
  rowNumber: number | bigint;
  raw: string;
  field: string | null;
  check: string;
  reason: string;
};

/**
 * One page of quarantine rows for each of many runs, in one statement: a window function numbers
 * each run's rows so that the page limit applies per run, where a plain LIMIT would apply to all
 * of them together. Each run gets up to `take + 1` rows, so the caller knows if more follow.
 */
export async function quarantinePages(
  prisma: CatalogClient,
  runIds: readonly string[],
  args: { take: number; after?: QuarantinePosition | null },
): Promise<Map<string, QuarantineRow[]>> {
  const pages = new Map<string, QuarantineRow[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return pages;
  const after = args.after
    ? Prisma.sql`AND ("rowNumber" > ${args.after.rowNumber} OR ("rowNumber" = ${args.after.rowNumber} AND "id" > ${args.after.id}))`
    : Prisma.empty;
  const rows = await prisma.$queryRaw<RawQuarantineRow[]>(Prisma.sql`
    SELECT "id", "runId", "rowNumber", "raw", "field", "check", "reason" FROM (
      SELECT "id", "runId", "rowNumber", "raw", "field", "check", "reason",
             ROW_NUMBER() OVER (PARTITION BY "runId" ORDER BY "rowNumber", "id") AS "position"
      FROM "QuarantineRow"
      WHERE "runId" IN (${Prisma.join([...runIds])}) ${after}
    ) AS "page"
    WHERE "position" <= ${args.take + 1}
    ORDER BY "runId", "rowNumber", "id"`);
  for (const row of rows) {
    pages.get(row.runId)?.push({ ...row, id: Number(row.id), rowNumber: Number(row.rowNumber) });
  }
  return pages;
}
