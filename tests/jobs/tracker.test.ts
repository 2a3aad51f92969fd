import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QUEUES } from "../../jobs/queues.js";
import { createJobRow, type JobProgress, JobTracker } from "../../jobs/tracker.js";
import type { Job } from "../../src/catalog/generated/sqlite/client.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { dropQueues, testQueueSettings } from "../support/queues.js";

const steps = (row: Job) => (row.progress as JobProgress).steps.map((s) => s.step);

describe.each(PROVIDERS)("job tracker on %s", (provider) => {
  let catalog: TestCatalog;
  let tracker: JobTracker;
  let settings: { redisUrl: string; queuePrefix: string };
  const changes: string[] = [];
  beforeEach(async () => {
    catalog = await testCatalog(provider);
    settings = testQueueSettings();
    changes.length = 0;
    tracker = new JobTracker(catalog, settings, { onChange: (row) => changes.push(row.status) });
  });
  afterEach(async () => {
    await tracker.close();
    await dropQueues(settings);
    await catalog.drop();
  });

  const newRow = () =>
    createJobRow(catalog, { queue: QUEUES.register, name: "retrain", data: { feature: "f" } });

  it("walks a row QUEUED -> ACTIVE -> COMPLETED and keeps a final row final", async () => {
    const row = await newRow();
    expect(row.status).toBe("QUEUED");
    expect(steps(row)).toEqual(["queued"]);
    const active = await tracker.markActive(row.id, { queue: "train", step: "active" }, async () => 1);
    expect(active).toMatchObject({ status: "ACTIVE", attempts: 1 });
    expect(active!.startedAt).not.toBeNull();
    await tracker.recordStep(row.id, { queue: "train", step: "read", fraction: 0.3 });
    const done = await tracker.markCompleted(
      row.id,
      { versionId: "v" },
      { queue: "register", step: "completed" },
    );
    expect(done).toMatchObject({ status: "COMPLETED", result: { versionId: "v" } });
    expect(await tracker.markFailed(row.id, "late failure")).toBeNull();
    expect(await tracker.markActive(row.id, { queue: "train", step: "active" })).toBeNull();
    const final = await catalog.prisma.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(final.status).toBe("COMPLETED");
    expect(final.error).toBeNull();
    expect(changes).toEqual(["ACTIVE", "ACTIVE", "COMPLETED"]);
  });

  it("stores an event's step once, in time order, even after the row finished", async () => {
    const row = await newRow();
    await tracker.markFailed(row.id, "boom", { queue: "train", step: "failed" });
    const late = { queue: "train", step: "read", event: "1-0", at: "2000-01-01T00:00:00.000Z" };
    await tracker.recordStep(row.id, late);
    await tracker.recordStep(row.id, late);
    const final = await catalog.prisma.job.findUniqueOrThrow({ where: { id: row.id } });
    expect(steps(final)).toEqual(["read", "queued", "failed"]);
    expect((final.progress as JobProgress).step).toBe("failed");
    expect(final.status).toBe("FAILED");
    // A step without an event id does not change a finished row.
    expect(await tracker.recordStep(row.id, { queue: "train", step: "other" })).toBeNull();
  });

  it("keeps one line for a count that goes up", async () => {
    const row = await newRow();
    for (const rows of [10, 20, 30])
      await tracker.recordStep(row.id, { queue: "ingest", step: "ingest", message: `${rows}` });
    const now = await catalog.prisma.job.findUniqueOrThrow({ where: { id: row.id } });
    const progress = now.progress as JobProgress;
    expect(progress.steps.map((s) => s.message ?? s.step)).toEqual(["queued", "30"]);
  });

  it("holds row changes back while a write-lock holder runs", async () => {
    const row = await newRow();
    let release: () => void = () => {};
    const work = tracker.holdWhile(() => new Promise<void>((r) => (release = r)));
    const change = tracker.recordStep(row.id, { queue: "ingest", step: "ingest" });
    await new Promise((r) => setTimeout(r, 50));
    expect(steps(await catalog.prisma.job.findUniqueOrThrow({ where: { id: row.id } }))).toEqual(["queued"]);
    release();
    await work;
    await change;
    expect(steps(await catalog.prisma.job.findUniqueOrThrow({ where: { id: row.id } }))).toEqual([
      "queued",
      "ingest",
    ]);
  });

  it("settles rows whose jobs are gone from the queue", async () => {
    const row = await newRow();
    const young = await newRow();
    await catalog.prisma.job.update({
      where: { id: row.id },
      data: { createdAt: new Date(Date.now() - 120_000) },
    });
    const settled = await tracker.reconcile(60_000);
    expect(settled.map((r) => r.id)).toEqual([row.id]);
    expect(settled[0]).toMatchObject({
      status: "FAILED",
      error: expect.stringMatching(/no longer in its queue/),
    });
    expect((await catalog.prisma.job.findUniqueOrThrow({ where: { id: young.id } })).status).toBe("QUEUED");
  });
});
