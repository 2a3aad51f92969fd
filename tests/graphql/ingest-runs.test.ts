import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../../src/graphql/common/connection.js";
import { ingestFile } from "../../src/ingest/index.js";
import { PROVIDERS } from "../support/catalog.js";
import { startTestServer, type TestServer } from "../support/server.js";

type Row = { rowNumber: number; raw: unknown; field: string | null; check: string; reason: string };
type Run = {
  id: string;
  kind: string;
  status: string;
  inputRows: number;
  accepted: number;
  quarantined: number;
  stats: unknown;
  quarantine: { edges: Array<{ node: Row }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

const RUNS = `query($first: Int, $q: Int) { ingestRuns(first: $first) {
  id kind status inputRows accepted quarantined stats
  quarantine(first: $q) { edges { node { rowNumber raw field check reason } } pageInfo { hasNextPage endCursor } }
} }`;

const RUN = `query($id: ID!, $q: Int, $after: String) { ingestRun(id: $id) {
  id inputRows accepted quarantined
  quarantine(first: $q, after: $after) { edges { node { rowNumber raw field check reason } } pageInfo { hasNextPage endCursor } }
} }`;

describe.each(PROVIDERS)("ingest runs on %s", (provider) => {
  let t: TestServer;
  let statements = 0;
  beforeAll(async () => {
    t = await startTestServer(
      provider,
      {},
      {
        onQuery: (e) => {
          if (!e.query.includes("ApiKey")) statements++;
        },
      },
    );
    const p = t.catalog.prisma;
    const base = Date.UTC(2026, 2, 1);
    // run-k: k + 2 input rows, k of them quarantined (rows 2, 4, 6 ...)
    for (let k = 0; k < 12; k++) {
      await p.ingestRun.create({
        data: {
          id: `run-${k}`,
          kind: k % 2 ? "events" : "products",
          source: `file-${k}.csv`,
          format: "csv",
          status: "COMPLETED",
          inputRows: k + 2,
          accepted: 2,
          quarantined: k,
          stats: { duplicates: { exact: k } },
          startedAt: new Date(base + k * 60_000),
          finishedAt: new Date(base + k * 60_000 + 1000),
        },
      });
      await p.quarantineRow.createMany({
        data: Array.from({ length: k }, (_, i) => ({
          runId: `run-${k}`,
          rowNumber: 2 * (i + 1),
          raw: JSON.stringify({ item_id: `x${i}`, price: "-1" }),
          field: "price",
          check: "range",
          reason: "must be at least 0",
        })),
      });
    }
    // A row whose raw text is not JSON is shown as the text itself.
    await p.quarantineRow.create({
      data: {
        runId: "run-1",
        rowNumber: 99,
        raw: "not json {",
        field: null,
        check: "encoding",
        reason: "not UTF-8",
      },
    });
  });
  afterAll(() => t.stop());

  it("lists runs newest first, each with inputRows = accepted + quarantined and its quarantine", async () => {
    const res = await t.gql<{ ingestRuns: Run[] }>(RUNS, { first: 5, q: 100 }, t.keys.STEWARD);
    expect(res.errors).toBeUndefined();
    const runs = res.data!.ingestRuns;
    expect(runs.map((r) => r.id)).toEqual(["run-11", "run-10", "run-9", "run-8", "run-7"]);
    for (const run of runs) {
      expect(run.inputRows).toBe(run.accepted + run.quarantined);
      expect(run.quarantine.edges).toHaveLength(run.quarantined);
      expect(run.quarantine.pageInfo.hasNextPage).toBe(false);
    }
    expect(runs[0]!.stats).toEqual({ duplicates: { exact: 11 } });
    expect(runs[0]!.quarantine.edges[0]!.node).toEqual({
      rowNumber: 2,
      raw: { item_id: "x0", price: "-1" },
      field: "price",
      check: "range",
      reason: "must be at least 0",
    });
  });

  it("reads the quarantine of many runs in as many statements as of one", async () => {
    const count = async (first: number) => {
      const before = statements;
      const res = await t.gql(RUNS, { first, q: 3 });
      expect(res.errors).toBeUndefined();
      return statements - before;
    };
    const one = await count(1);
    expect(await count(12)).toBe(one);
  });

  it("pages through one run's quarantine in row order", async () => {
    const seen: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { data?: { ingestRun: Run } | null } = await t.gql<{ ingestRun: Run }>(RUN, {
        id: "run-7",
        q: 3,
        after,
      });
      const q: Run["quarantine"] = res.data!.ingestRun.quarantine;
      seen.push(...q.edges.map((e) => e.node.rowNumber));
      if (!q.pageInfo.hasNextPage) break;
      after = q.pageInfo.endCursor;
    }
    expect(seen).toEqual([2, 4, 6, 8, 10, 12, 14]);
  });

  it("shows a raw row that is not JSON as its text", async () => {
    const res = await t.gql<{ ingestRun: Run }>(RUN, { id: "run-1", q: 10 });
    expect(res.data!.ingestRun.quarantine.edges.map((e) => e.node.raw)).toEqual([
      { item_id: "x0", price: "-1" },
      "not json {",
    ]);
  });

  it("answers an unknown run with null and a bad cursor with BAD_USER_INPUT", async () => {
    expect((await t.gql(RUN, { id: "nope" })).data).toEqual({ ingestRun: null });
    for (const after of ["%%%", encodeCursor("2;3"), encodeCursor(7)]) {
      const bad = await t.gql(RUN, { id: "run-3", after });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    }
  });

  it("is for stewards", async () => {
    const res = await t.gql(RUNS, { first: 1 }, t.keys.VIEWER);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "Query.ingestRuns" });
  });

  it("shows a real ingest of a file with one bad row: the counts and the quarantined row", async () => {
    const file = path.join(t.settings.dataDir, "tiny-products.csv");
    writeFileSync(file, "item_id,title,price\nk1,Kettle,30\nk2,,12\nk3,Teapot,19.5\n");
    const report = await ingestFile(t.catalog, t.settings, { kind: "products", file });
    const res = await t.gql<{ ingestRun: Run }>(RUN, { id: report.run, q: 10 }, t.keys.STEWARD);
    expect(res.errors).toBeUndefined();
    const run = res.data!.ingestRun;
    expect(run).toMatchObject({ id: report.run, inputRows: 3, accepted: 2, quarantined: 1 });
    expect(run.quarantine.edges).toHaveLength(1);
    const row = run.quarantine.edges[0]!.node;
    expect(row).toMatchObject({ rowNumber: 2, field: "title" });
    expect(row.reason).not.toBe("");
    expect(JSON.stringify(row.raw)).toContain("k2");
  });
});
