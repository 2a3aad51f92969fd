import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogClient } from "../../src/catalog/client.js";
import { PROVIDERS } from "../support/catalog.js";
import { startTestServer, type TestServer } from "../support/server.js";

type Link = {
  depth: number;
  role: string | null;
  external: string | null;
  version: { id: string; feature: { name: string } } | null;
  ingestRun: { id: string; kind: string } | null;
};

const UPSTREAM = `query($id: ID!, $depth: Int) { featureVersion(id: $id) { id
  upstream(depth: $depth) { depth role external version { id feature { name } } ingestRun { id kind } } } }`;

const DOWNSTREAM = `query($id: ID!, $depth: Int!) { featureVersion(id: $id) {
  downstream(depth: $depth) { depth role version { id feature { name } } } } }`;

const RUN_DOWNSTREAM = `query($id: ID!, $depth: Int) { ingestRun(id: $id) {
  downstream(depth: $depth) { depth version { id } } } }`;

/**
 * A three-hop graph `width` wide: the root reads every layer-1 version, each of those reads every
 * layer-2 version, and each of those reads every layer-3 version, one ingest run and one package.
 */
async function buildGraph(p: CatalogClient, tag: string, width: number): Promise<void> {
  const ids = (layer: number) => Array.from({ length: width }, (_, i) => `${tag}-l${layer}-${i}`);
  const root = await p.feature.create({ data: { name: `${tag}_model` } });
  await p.featureVersion.create({ data: { id: `${tag}-root`, featureId: root.id, number: 1 } });
  for (const layer of [1, 2, 3]) {
    const feature = await p.feature.create({ data: { name: `${tag}_layer${layer}` } });
    await p.featureVersion.createMany({
      data: ids(layer).map((id, i) => ({ id, featureId: feature.id, number: i + 1 })),
    });
  }
  await p.ingestRun.create({
    data: { id: `${tag}-run`, kind: "products", source: "p.csv", format: "csv", status: "COMPLETED" },
  });
  const edges = [
    ...ids(1).map((input) => ({ versionId: `${tag}-root`, inputVersionId: input, role: "layer1" })),
    ...ids(1).flatMap((v) =>
      ids(2).map((input) => ({ versionId: v, inputVersionId: input, role: "layer2" })),
    ),
    ...ids(2).flatMap((v) => [
      ...ids(3).map((input) => ({ versionId: v, inputVersionId: input, role: "layer3" })),
      { versionId: v, ingestRunId: `${tag}-run`, role: "corpus" },
      { versionId: v, external: "pkg:e5-small@1.0", role: "encoder" },
    ]),
  ];
  await p.lineageEdge.createMany({ data: edges });
}

describe.each(PROVIDERS)("lineage on %s", (provider) => {
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
    await buildGraph(t.catalog.prisma, "narrow", 2);
    await buildGraph(t.catalog.prisma, "wide", 20);
  });
  afterAll(() => t.stop());

  async function counted<T>(
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ data: T; statements: number }> {
    const before = statements;
    const res = await t.gql<T>(query, variables, t.keys.STEWARD);
    expect(res.errors).toBeUndefined();
    return { data: res.data!, statements: statements - before };
  }

  it("walks 3 hops upstream in as many statements with 20 inputs per hop as with 2", async () => {
    type Up = { featureVersion: { upstream: Link[] } };
    const narrow = await counted<Up>(UPSTREAM, { id: "narrow-root", depth: 3 });
    const wide = await counted<Up>(UPSTREAM, { id: "wide-root", depth: 3 });
    expect(wide.statements).toBe(narrow.statements);
    // key check, the version, one per hop, then the linked versions, their features, the run
    expect(wide.statements).toBeLessThanOrEqual(8);

    for (const [tag, width, links] of [
      ["narrow", 2, narrow.data.featureVersion.upstream],
      ["wide", 20, wide.data.featureVersion.upstream],
    ] as const) {
      const versionsAt = (depth: number) =>
        links
          .filter((l) => l.depth === depth && l.version)
          .map((l) => l.version!.id)
          .sort();
      const expected = (layer: number) =>
        Array.from({ length: width }, (_, i) => `${tag}-l${layer}-${i}`).sort();
      expect(versionsAt(1)).toEqual(expected(1));
      expect(versionsAt(2)).toEqual(expected(2));
      expect(versionsAt(3)).toEqual(expected(3));
      // each node once, though every layer-2 version names the run and the package
      expect(links).toHaveLength(3 * width + 2);
      expect(links.filter((l) => l.ingestRun)).toEqual([
        {
          depth: 3,
          role: "corpus",
          external: null,
          version: null,
          ingestRun: { id: `${tag}-run`, kind: "products" },
        },
      ]);
      expect(links.filter((l) => l.external)).toEqual([
        { depth: 3, role: "encoder", external: "pkg:e5-small@1.0", version: null, ingestRun: null },
      ]);
      expect(links.find((l) => l.depth === 1)).toMatchObject({
        role: "layer1",
        version: { feature: { name: `${tag}_layer1` } },
      });
      // nearest first
      expect(links.map((l) => l.depth)).toEqual([...links.map((l) => l.depth)].sort((a, b) => a - b));
    }
  });

  it("stops at the depth asked for, one hop by default", async () => {
    const one = await t.gql<{ featureVersion: { upstream: Link[] } }>(
      `{ featureVersion(id: "narrow-root") { upstream { depth version { id } } } }`,
    );
    expect(one.data!.featureVersion.upstream).toEqual([
      { depth: 1, version: { id: "narrow-l1-0" } },
      { depth: 1, version: { id: "narrow-l1-1" } },
    ]);
    const two = await t.gql<{ featureVersion: { upstream: Link[] } }>(UPSTREAM, {
      id: "narrow-root",
      depth: 2,
    });
    expect(Math.max(...two.data!.featureVersion.upstream.map((l) => l.depth))).toBe(2);
  });

  it("walks 3 hops downstream in as many statements with 20 consumers per hop as with 2", async () => {
    type Down = { featureVersion: { downstream: Link[] } };
    const narrow = await counted<Down>(DOWNSTREAM, { id: "narrow-l3-0", depth: 3 });
    const wide = await counted<Down>(DOWNSTREAM, { id: "wide-l3-0", depth: 3 });
    expect(wide.statements).toBe(narrow.statements);
    const links = wide.data.featureVersion.downstream;
    expect(links.filter((l) => l.depth === 1)).toHaveLength(20);
    expect(links.filter((l) => l.depth === 2)).toHaveLength(20);
    expect(links.filter((l) => l.depth === 3)).toEqual([
      { depth: 3, role: "layer1", version: { id: "wide-root", feature: { name: "wide_model" } } },
    ]);
  });

  it("shows which versions an ingest run reached", async () => {
    type RunDown = { ingestRun: { downstream: Array<{ depth: number; version: { id: string } }> } };
    const narrow = await counted<RunDown>(RUN_DOWNSTREAM, { id: "narrow-run", depth: 3 });
    const wide = await counted<RunDown>(RUN_DOWNSTREAM, { id: "wide-run", depth: 3 });
    expect(wide.statements).toBe(narrow.statements);
    const links = narrow.data.ingestRun.downstream;
    expect(links.map((l) => [l.depth, l.version.id])).toEqual([
      [1, "narrow-l2-0"],
      [1, "narrow-l2-1"],
      [2, "narrow-l1-0"],
      [2, "narrow-l1-1"],
      [3, "narrow-root"],
    ]);
  });

  it.each([0, 11, null])("refuses depth %s with BAD_USER_INPUT naming depth", async (depth) => {
    const up = await t.gql(UPSTREAM, { id: "narrow-root", depth });
    expect(up.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "depth" });
    const run = await t.gql(RUN_DOWNSTREAM, { id: "narrow-run", depth });
    expect(run.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "depth" });
  });

  it("is for stewards", async () => {
    const res = await t.gql(UPSTREAM, { id: "narrow-root", depth: 1 }, t.keys.VIEWER);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
