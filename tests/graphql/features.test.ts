import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS } from "../support/catalog.js";
import { startTestServer, type TestServer } from "../support/server.js";

type VersionNode = { id: string; number: number; status: string };
type FeatureView = {
  name: string;
  owner: string | null;
  tags: string[];
  latest: VersionNode | null;
  activeVersion: VersionNode | null;
  versions: {
    edges: Array<{ node: VersionNode }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const FEATURES = `query { features { name owner tags latest { number status } activeVersion { number status }
  versions(first: 10) { edges { node { number status } } pageInfo { hasNextPage endCursor } } } }`;

const VERSIONS = `query($name: String!, $first: Int, $after: String) {
  feature(name: $name) { versions(first: $first, after: $after) { edges { node { number } } pageInfo { hasNextPage endCursor } } }
}`;

const VERSION = `query($id: ID!) { featureVersion(id: $id) {
  id number status params metrics quality contentHash artifact eventBound snapshotAt createdAt
  feature { name } job { id name status } releases { number status }
} }`;

describe.each(PROVIDERS)("features on %s", (provider) => {
  let t: TestServer;
  let embV2 = "";
  beforeAll(async () => {
    t = await startTestServer(provider);
    const p = t.catalog.prisma;
    const emb = await p.feature.create({
      data: { name: "item_embeddings", owner: "search-team", tags: ["free_text", 7, "experimental"] },
    });
    await p.feature.create({ data: { name: "empty_feature" } });
    const job = await p.job.create({
      data: { queue: "features", name: "build_embeddings", status: "COMPLETED" },
    });
    const statuses = ["DEPRECATED", "ACTIVE", "STAGED"];
    for (const [i, status] of statuses.entries()) {
      const v = await p.featureVersion.create({
        data: {
          featureId: emb.id,
          number: i + 1,
          status,
          ...(i === 1
            ? {
                params: { dim: 384, model: "e5-small" },
                metrics: { "recall@100": 0.83 },
                quality: { rows: 5 },
                contentHash: "ab".repeat(32),
                artifact: "item_embeddings/v2/vectors.bin",
                jobId: job.id,
                eventBound: 42,
                snapshotAt: new Date("2026-02-01T00:00:00Z"),
              }
            : {}),
        },
      });
      if (i === 1) embV2 = v.id;
    }
    const release = await p.release.create({ data: { number: 1, status: "ACTIVE" } });
    await p.releaseVersion.create({ data: { releaseId: release.id, versionId: embV2 } });
  });
  afterAll(() => t.stop());

  it("lists features by name with tags, the latest and the active version, versions newest first", async () => {
    const res = await t.gql<{ features: FeatureView[] }>(FEATURES, {}, t.keys.STEWARD);
    expect(res.errors).toBeUndefined();
    const [empty, emb] = res.data!.features;
    expect(empty).toMatchObject({ name: "empty_feature", tags: [], latest: null, activeVersion: null });
    expect(empty!.versions).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    expect(emb).toMatchObject({
      name: "item_embeddings",
      owner: "search-team",
      // tags that are not strings are left out rather than failing the query
      tags: ["free_text", "experimental"],
      latest: { number: 3, status: "STAGED" },
      activeVersion: { number: 2, status: "ACTIVE" },
    });
    expect(emb!.versions.edges.map((e) => e.node.number)).toEqual([3, 2, 1]);
  });

  it("pages through versions with cursors", async () => {
    const first = await t.gql<{ feature: FeatureView }>(VERSIONS, { name: "item_embeddings", first: 2 });
    const page1 = first.data!.feature.versions;
    expect(page1.edges.map((e) => e.node.number)).toEqual([3, 2]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await t.gql<{ feature: FeatureView }>(VERSIONS, {
      name: "item_embeddings",
      first: 2,
      after: page1.pageInfo.endCursor,
    });
    expect(second.data!.feature.versions.edges.map((e) => e.node.number)).toEqual([1]);
    expect(second.data!.feature.versions.pageInfo.hasNextPage).toBe(false);
  });

  it("shows everything a version records, its job and its releases", async () => {
    const res = await t.gql<{ featureVersion: Record<string, unknown> }>(
      VERSION,
      { id: embV2 },
      t.keys.STEWARD,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.featureVersion).toMatchObject({
      id: embV2,
      number: 2,
      status: "ACTIVE",
      params: { dim: 384, model: "e5-small" },
      metrics: { "recall@100": 0.83 },
      quality: { rows: 5 },
      contentHash: "ab".repeat(32),
      artifact: "item_embeddings/v2/vectors.bin",
      eventBound: 42,
      snapshotAt: "2026-02-01T00:00:00.000Z",
      feature: { name: "item_embeddings" },
      job: { name: "build_embeddings", status: "COMPLETED" },
      releases: [{ number: 1, status: "ACTIVE" }],
    });
  });

  it("answers unknown names and ids with null", async () => {
    const byName = await t.gql(VERSIONS, { name: "no_such_feature" });
    expect(byName.errors).toBeUndefined();
    expect(byName.data).toEqual({ feature: null });
    const byId = await t.gql(VERSION, { id: "no-such-version" });
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toEqual({ featureVersion: null });
  });

  it("is for stewards: a viewer is refused, naming the field", async () => {
    const res = await t.gql(FEATURES, {}, t.keys.VIEWER);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "Query.features" });
    const version = await t.gql(VERSION, { id: embV2 }, t.keys.VIEWER);
    expect(version.errors?.[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      field: "Query.featureVersion",
    });
  });

  it("names the argument of a bad page request", async () => {
    const big = await t.gql(VERSIONS, { name: "item_embeddings", first: t.settings.maxPageSize + 1 });
    expect(big.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    const cursor = await t.gql(VERSIONS, { name: "item_embeddings", after: "not-a-cursor" });
    expect(cursor.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });
});
