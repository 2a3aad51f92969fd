import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  listIngestRuns,
  parseQuarantineKey,
  quarantineKey,
  quarantinePages,
} from "../../src/catalog/ingestRuns.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";

describe.each(PROVIDERS)("ingest runs on %s", (provider) => {
  let c: TestCatalog;
  let statements = 0;
  beforeAll(async () => {
    c = await testCatalog(provider, { onQuery: () => statements++ });
    const base = Date.UTC(2026, 0, 1);
    for (const [i, id] of ["a", "b", "c"].entries()) {
      await c.prisma.ingestRun.create({
        data: {
          id,
          kind: "products",
          source: `${id}.csv`,
          format: "csv",
          status: "COMPLETED",
          startedAt: new Date(base + i * 1000),
        },
      });
    }
    // a: rows 5, 2, 9 and two rows for line 2 (inserted out of order on purpose); b: 1 row; c: none
    const rows = [
      { runId: "a", rowNumber: 5 },
      { runId: "a", rowNumber: 2 },
      { runId: "b", rowNumber: 7 },
      { runId: "a", rowNumber: 9 },
      { runId: "a", rowNumber: 2 },
    ];
    for (const r of rows) {
      await c.prisma.quarantineRow.create({
        data: {
          ...r,
          raw: JSON.stringify({ line: r.rowNumber }),
          field: "price",
          check: "range",
          reason: "below 0",
        },
      });
    }
  });
  afterAll(() => c.drop());

  it("lists runs newest first", async () => {
    expect((await listIngestRuns(c.prisma, { take: 2 })).map((r) => r.id)).toEqual(["c", "b"]);
  });

  it("pages each run's quarantine separately, in row order, in one statement", async () => {
    const before = statements;
    const pages = await quarantinePages(c.prisma, ["a", "b", "c"], { take: 2 });
    expect(statements - before).toBe(1);
    // take + 1 rows per run, so the caller can tell whether more follow
    expect(pages.get("a")!.map((r) => r.rowNumber)).toEqual([2, 2, 5]);
    expect(pages.get("b")!.map((r) => r.rowNumber)).toEqual([7]);
    expect(pages.get("c")).toEqual([]);
    const first = pages.get("a")![0]!;
    expect(typeof first.id).toBe("number");
    expect(first).toMatchObject({ runId: "a", field: "price", check: "range", reason: "below 0" });
  });

  it("continues after a position, including between rows of the same line", async () => {
    const all = (await quarantinePages(c.prisma, ["a"], { take: 10 })).get("a")!;
    const afterFirst = parseQuarantineKey(quarantineKey(all[0]!));
    const rest = (await quarantinePages(c.prisma, ["a"], { take: 10, after: afterFirst })).get("a")!;
    expect(rest.map((r) => r.id)).toEqual(all.slice(1).map((r) => r.id));
  });

  it("refuses a position it did not give out", () => {
    expect(() => parseQuarantineKey("2;3")).toThrow(/after: is not a cursor/);
  });
});
