import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestRunsUpTo, registerVersion } from "../../src/catalog/versions.js";
import { ConflictError, InputError, NotFoundError } from "../../src/errors.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";

const HASH = "a".repeat(64);

describe.each(PROVIDERS)("registerVersion on %s", (provider) => {
  let catalog: TestCatalog;
  beforeEach(async () => {
    catalog = await testCatalog(provider);
  });
  afterEach(async () => {
    await catalog.drop();
  });

  const job = (id: string) => catalog.prisma.job.create({ data: { id, queue: "register", name: "retrain" } });

  it("creates the feature, numbers versions and writes lineage with the version", async () => {
    await job("j1");
    await job("j2");
    const run = await catalog.prisma.ingestRun.create({
      data: { kind: "events", source: "e.csv", format: "csv", status: "COMPLETED" },
    });
    const first = await registerVersion(catalog, {
      feature: "item_popularity",
      jobId: "j1",
      params: { half_life_days: 14 },
      metrics: { events_read: 3 },
      artifact: `sha256/${HASH}/t.json`,
      contentHash: HASH,
      eventBound: 3,
      snapshotAt: new Date("2026-01-01T00:00:00Z"),
      inputs: [{ ingestRunId: run.id, role: "events" }, { external: "pypi:shopmind-trainers==0.1.0" }],
    });
    expect(first.created).toBe(true);
    expect(first.version).toMatchObject({
      number: 1,
      status: "STAGED",
      jobId: "j1",
      params: { half_life_days: 14 },
      metrics: { events_read: 3 },
      contentHash: HASH,
      eventBound: 3,
    });
    expect(first.inputs.map((e) => [e.ingestRunId, e.external, e.role])).toEqual([
      [run.id, null, "events"],
      [null, "pypi:shopmind-trainers==0.1.0", null],
    ]);
    const second = await registerVersion(catalog, {
      feature: "item_popularity",
      jobId: "j2",
      inputs: [{ versionId: first.version.id, role: "previous" }],
    });
    expect(second.version.number).toBe(2);
    expect(second.inputs[0]!.inputVersionId).toBe(first.version.id);
    const feature = await catalog.prisma.feature.findUniqueOrThrow({ where: { name: "item_popularity" } });
    expect(second.version.featureId).toBe(feature.id);
  });

  it("is idempotent on the job: a retried job gets its version back, nothing new written", async () => {
    await job("j1");
    const request = {
      feature: "item_popularity",
      jobId: "j1",
      metrics: { n: 1 },
      inputs: [{ external: "pypi:shopmind-trainers==0.1.0" }],
    };
    const first = await registerVersion(catalog, request);
    const again = await registerVersion(catalog, { ...request, metrics: { n: 2 } });
    expect(again.created).toBe(false);
    expect(again.version.id).toBe(first.version.id);
    expect(again.version.metrics).toEqual({ n: 1 });
    expect(await catalog.prisma.featureVersion.count()).toBe(1);
    expect(await catalog.prisma.lineageEdge.count()).toBe(1);
    await expect(registerVersion(catalog, { ...request, feature: "other" })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("is idempotent under a race: the same job registered at once yields one version", async () => {
    await job("j1");
    const results = await Promise.all(
      Array.from({ length: 6 }, () => registerVersion(catalog, { feature: "f", jobId: "j1", inputs: [] })),
    );
    expect(new Set(results.map((r) => r.version.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await catalog.prisma.featureVersion.count()).toBe(1);
  });

  it("numbers concurrent registrations 1..n without gaps or twins", async () => {
    const n = 12;
    for (let i = 0; i < n; i++) await job(`c${i}`);
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        registerVersion(catalog, { feature: "f", jobId: `c${i}`, inputs: [{ external: `x${i}` }] }),
      ),
    );
    expect(results.map((r) => r.version.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    );
    // Each version holds exactly its own edge: no edge of a lost attempt survived.
    const edges = await catalog.prisma.lineageEdge.findMany({ include: { version: true } });
    expect(edges).toHaveLength(n);
    for (const e of edges) expect(e.external).toBe(`x${e.version.jobId!.slice(1)}`);
  });

  it("writes nothing when an input or the job does not exist, and names the field", async () => {
    await job("j1");
    await expect(
      registerVersion(catalog, {
        feature: "f",
        jobId: "j1",
        inputs: [{ external: "ok" }, { versionId: "nope" }],
      }),
    ).rejects.toMatchObject({ field: "inputs.1.versionId" });
    await expect(
      registerVersion(catalog, { feature: "f", jobId: "j1", inputs: [{ ingestRunId: "nope" }] }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      registerVersion(catalog, { feature: "f", jobId: "missing", inputs: [] }),
    ).rejects.toMatchObject({
      field: "jobId",
    });
    expect(await catalog.prisma.feature.count()).toBe(0);
    expect(await catalog.prisma.featureVersion.count()).toBe(0);
    expect(await catalog.prisma.lineageEdge.count()).toBe(0);
  });

  it("validates its input", async () => {
    const bad = [
      { feature: "Bad Name", jobId: "j", inputs: [] },
      { feature: "f", jobId: "j", contentHash: "xyz", inputs: [] },
      { feature: "f", jobId: "j", eventBound: -1, inputs: [] },
      { feature: "f", jobId: "j", inputs: [{ versionId: "a", external: "b" }] },
    ];
    for (const request of bad)
      await expect(registerVersion(catalog, request as never)).rejects.toBeInstanceOf(InputError);
  });

  it("lists the ingest runs whose events lie at or under a bound", async () => {
    await catalog.prisma.user.create({ data: { id: "u" } });
    const runs = [];
    for (const source of ["a", "b", "c"])
      runs.push(
        await catalog.prisma.ingestRun.create({
          data: { kind: "events", source, format: "csv", status: "COMPLETED" },
        }),
      );
    const at = new Date("2026-01-01T00:00:00Z");
    for (const [i, run] of [runs[0], runs[0], runs[1], null, runs[2]].entries())
      await catalog.prisma.event.create({
        data: { seq: i + 1, userId: "u", type: "view", timestamp: at, ingestRunId: run?.id ?? null },
      });
    expect(await ingestRunsUpTo(catalog, 4)).toEqual([runs[0]!.id, runs[1]!.id].sort());
    expect(await ingestRunsUpTo(catalog, 0)).toEqual([]);
  });
});
