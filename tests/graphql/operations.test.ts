/**
 * Every documented operation in schema/operations/ runs against a seeded server without an error
 * and returns something for each field it asks for at the top. A new operation file needs an
 * entry in VARIABLES (or a sibling NAME.variables.json) before this passes.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Queue } from "bullmq";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUES, queueOptions } from "../../jobs/queues.js";
import { PROVIDERS } from "../support/catalog.js";
import { REDIS_URL, ROOT } from "../support/env.js";
import { startTestServer, type TestServer } from "../support/server.js";

const DIR = path.join(ROOT, "schema", "operations");
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith(".graphql"))
  .sort();

const VARIABLES: Record<string, Record<string, unknown>> = {
  apiKeys: {},
  createApiKey: { role: "VIEWER", name: "storefront" },
  feature: { name: "item_embeddings", first: 2 },
  featureVersion: { id: "emb-v2", depth: 3 },
  features: {},
  ingestRun: { id: "run-1", first: 5 },
  ingestRuns: { first: 10 },
  job: { id: "job-1" },
  jobs: { status: "COMPLETED", first: 10 },
  product: { id: "p1" },
  products: { first: 10, filter: { brand: "Acme" } },
  recordEvents: {
    events: [
      {
        userId: "u1",
        productId: "p1",
        type: "view",
        timestamp: "2026-01-02T09:00:00Z",
        idempotencyKey: "ops-1",
      },
      {
        userId: "u2",
        type: "search",
        query: "kettle",
        timestamp: "2026-01-02T09:01:00Z",
        idempotencyKey: "ops-2",
      },
    ],
  },
  retrain: { feature: "item_popularity", params: { top_k: 100 } },
  revokeApiKey: { id: "key-to-revoke" },
  upsertProducts: { products: [{ id: "p9", title: "Teapot", brand: "Acme", price: 19.5, currency: "EUR" }] },
  user: { id: "u1", first: 10 },
  users: { first: 10 },
};

function variablesOf(file: string): Record<string, unknown> | undefined {
  const name = file.replace(/\.graphql$/, "");
  const sibling = path.join(DIR, `${name}.variables.json`);
  if (existsSync(sibling)) return JSON.parse(readFileSync(sibling, "utf8")) as Record<string, unknown>;
  return VARIABLES[name];
}

describe("schema/operations", () => {
  it("holds one operation per file, named like the file, each with variables in this test", () => {
    expect(FILES.length).toBeGreaterThan(0);
    for (const file of FILES) {
      const doc = parse(readFileSync(path.join(DIR, file), "utf8"));
      const ops = doc.definitions.filter((d) => d.kind === "OperationDefinition");
      expect(ops, file).toHaveLength(1);
      const name = file.replace(/\.graphql$/, "");
      expect(ops[0]!.name?.value, file).toBe(name[0]!.toUpperCase() + name.slice(1));
      expect(variablesOf(file), `${file} has no variables entry`).toBeDefined();
    }
  });
});

describe.each(PROVIDERS)("documented operations on %s", (provider) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(provider, {
      redisUrl: REDIS_URL,
      queuePrefix: `test-${randomBytes(4).toString("hex")}`,
    });
    const p = t.catalog.prisma;
    await p.product.create({
      data: {
        id: "p1",
        title: "Kettle",
        brand: "Acme",
        category: "Home > Kitchen",
        price: 30,
        stock: 2,
        rowHash: "h1",
      },
    });
    await p.user.create({ data: { id: "u1" } });
    await p.event.create({
      data: { userId: "u1", productId: "p1", type: "view", timestamp: new Date("2026-01-01T10:00:00Z") },
    });
    await p.ingestRun.create({
      data: {
        id: "run-1",
        kind: "products",
        source: "products.csv",
        format: "csv",
        status: "COMPLETED",
        inputRows: 3,
        accepted: 2,
        quarantined: 1,
      },
    });
    await p.quarantineRow.create({
      data: {
        runId: "run-1",
        rowNumber: 2,
        raw: '{"item_id":"p2","price":"-3"}',
        field: "price",
        check: "range",
        reason: "must be at least 0",
      },
    });
    await p.job.create({
      data: {
        id: "job-1",
        queue: "features",
        name: "build_embeddings",
        status: "COMPLETED",
        result: { rows: 2 },
      },
    });
    const emb = await p.feature.create({
      data: { name: "item_embeddings", owner: "search-team", tags: ["free_text"] },
    });
    const model = await p.feature.create({ data: { name: "sequence_model" } });
    await p.featureVersion.create({
      data: { id: "emb-v1", featureId: emb.id, number: 1, status: "DEPRECATED" },
    });
    await p.featureVersion.create({
      data: { id: "emb-v2", featureId: emb.id, number: 2, status: "ACTIVE", jobId: "job-1" },
    });
    await p.featureVersion.create({
      data: { id: "model-v1", featureId: model.id, number: 1, status: "ACTIVE" },
    });
    await p.lineageEdge.createMany({
      data: [
        { versionId: "emb-v2", ingestRunId: "run-1", role: "corpus" },
        { versionId: "emb-v2", external: "pkg:e5-small@1.0", role: "encoder" },
        { versionId: "model-v1", inputVersionId: "emb-v2", role: "embeddings" },
      ],
    });
    const release = await p.release.create({ data: { number: 1, status: "ACTIVE" } });
    await p.releaseVersion.createMany({
      data: [
        { releaseId: release.id, versionId: "emb-v2" },
        { releaseId: release.id, versionId: "model-v1" },
      ],
    });
    await p.apiKey.create({
      data: { id: "key-to-revoke", name: "old", role: "VIEWER", prefix: "smk_old", hash: "0".repeat(64) },
    });
  });
  afterAll(async () => {
    for (const name of [QUEUES.register, QUEUES.train]) {
      const queue = new Queue(name, queueOptions(t.settings));
      await queue.obliterate({ force: true });
      await queue.close();
    }
    await t.stop();
  });

  it.each(FILES)("runs %s", async (file) => {
    const query = readFileSync(path.join(DIR, file), "utf8");
    const res = await t.gql(query, variablesOf(file) ?? {});
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    for (const [field, value] of Object.entries(res.data ?? {})) {
      expect(value, `${file}: ${field} is empty`).not.toBeNull();
      if (Array.isArray(value)) expect(value.length, `${file}: ${field} is empty`).toBeGreaterThan(0);
    }
  });
});
