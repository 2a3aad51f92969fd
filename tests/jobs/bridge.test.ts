/**
 * The BullMQ bridge end to end: a retrain queued from TypeScript is trained by the real Python
 * worker (a child process) on a read-only snapshot, and registered by the TypeScript worker as a
 * feature version with its artifact and lineage, the Job row following every step.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { FlowProducer } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_OPTIONS, QUEUES, queueOptions } from "../../jobs/queues.js";
import { enqueueRetrain } from "../../jobs/retrain.js";
import { createJobRow, type JobProgress } from "../../jobs/tracker.js";
import { DEFAULT_PYTHON, startTrainerProcess, type TrainerProcess } from "../../jobs/trainer-process.js";
import { type RunningWorkers, startWorkers } from "../../jobs/worker.js";
import type { Job } from "../../src/catalog/generated/sqlite/client.js";
import { loadSettings, type Settings } from "../../src/config.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { dropQueues, testQueueSettings } from "../support/queues.js";

const hasTrainers = existsSync(DEFAULT_PYTHON);
if (!hasTrainers) console.warn(`bridge tests skipped: no ${DEFAULT_PYTHON} (run \`make install-py\`)`);

const DAY = (d: number) => new Date(Date.UTC(2026, 0, d));

/**
 * Waits until the tracker reported the row COMPLETED or FAILED (the deadline only stops a hung
 * test), then reads it.
 */
async function settled(
  catalog: TestCatalog,
  statuses: Map<string, string[]>,
  id: string,
  deadlineMs = 60_000,
): Promise<Job> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const last = statuses.get(id)?.at(-1);
    if (last === "COMPLETED" || last === "FAILED")
      return catalog.prisma.job.findUniqueOrThrow({ where: { id } });
    if (Date.now() > until) throw new Error(`job ${id} still ${last ?? "QUEUED"} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasTrainers).each(PROVIDERS)("retrain round trip on %s", (provider) => {
  let catalog: TestCatalog;
  let settings: Settings;
  let workers: RunningWorkers;
  let trainers: TrainerProcess | undefined;
  const statuses = new Map<string, string[]>();
  const logs: string[] = [];

  beforeAll(async () => {
    catalog = await testCatalog(provider);
    settings = loadSettings(
      {
        dataDir: catalog.dataDir,
        databaseUrl: catalog.url,
        ...testQueueSettings(),
      },
      {},
    );
    workers = await startWorkers(settings, {
      queues: [QUEUES.register],
      log: (line) => logs.push(line),
      onJobChange: (row) => {
        const seen = statuses.get(row.id) ?? [];
        if (seen.at(-1) !== row.status) seen.push(row.status);
        statuses.set(row.id, seen);
      },
    });
  });

  afterAll(async () => {
    await trainers?.stop();
    await workers?.close();
    if (settings) await dropQueues(settings);
    await catalog?.drop();
  });

  it("trains in Python, registers in TypeScript, reads nothing past the bound", async () => {
    const p = catalog.prisma;
    const run = await p.ingestRun.create({
      data: { kind: "events", source: "seed.csv", format: "csv", status: "COMPLETED" },
    });
    for (const id of ["p1", "p2", "p3"]) await p.product.create({ data: { id, title: id, rowHash: id } });
    for (const id of ["u1", "u2"]) await p.user.create({ data: { id } });
    const seed: Array<[string, string, string, number]> = [
      ["u1", "p1", "view", 1],
      ["u2", "p1", "purchase", 10],
      ["u1", "p2", "view", 10],
      ["u2", "p2", "click", 10],
    ];
    for (const [userId, productId, type, day] of seed)
      await p.event.create({ data: { userId, productId, type, timestamp: DAY(day), ingestRunId: run.id } });
    const bound = (await p.event.aggregate({ _max: { seq: true } }))._max.seq!;

    const row = await enqueueRetrain(catalog, settings, {
      feature: "item_popularity",
      params: { half_life_days: 7 },
    });
    expect(row).toMatchObject({ status: "QUEUED", queue: "register", name: "retrain" });
    expect(row.data).toMatchObject({
      feature: "item_popularity",
      eventBound: bound,
      params: { top_k: 10_000 },
    });

    // Events after the bound, before any training starts: were they read, p3 would lead.
    const late = await p.ingestRun.create({
      data: { kind: "events", source: "late.csv", format: "csv", status: "COMPLETED" },
    });
    for (let i = 0; i < 5; i++)
      await p.event.create({
        data: { userId: "u1", productId: "p3", type: "purchase", timestamp: DAY(11), ingestRunId: late.id },
      });

    trainers = startTrainerProcess(settings, {
      log: (line) => logs.push(`[py] ${line}`),
      stopTimeoutMs: 10_000,
    });
    await trainers.ready();
    const done = await settled(catalog, statuses, row.id);
    expect(done.error, logs.join("\n")).toBeNull();
    expect(done.status).toBe("COMPLETED");
    expect([row.status, ...(statuses.get(row.id) ?? [])]).toEqual(["QUEUED", "ACTIVE", "COMPLETED"]);
    expect(done.attempts).toBe(1);
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const steps = (done.progress as JobProgress).steps.map((s) => `${s.queue}:${s.step}`);
    for (const step of [
      "register:queued",
      "train:start",
      "train:read",
      "train:score",
      "train:write",
      "train:trained",
      "register:register",
      "register:adopt",
      "register:completed",
    ])
      expect(steps).toContain(step);
    expect(steps.indexOf("train:start")).toBeLessThan(steps.indexOf("register:completed"));

    const version = await p.featureVersion.findUniqueOrThrow({
      where: { jobId: row.id },
      include: { feature: true, inputs: { orderBy: { id: "asc" } } },
    });
    expect(done.result).toMatchObject({ versionId: version.id, number: 1, feature: "item_popularity" });
    expect(version.feature.name).toBe("item_popularity");
    expect(version.number).toBe(1);
    expect(version.eventBound).toBe(bound);
    expect(version.metrics).toMatchObject({
      events_read: 4,
      max_seq_read: bound,
      items: 2,
      users: 2,
      top_item: "p1",
    });
    expect(version.params).toMatchObject({ half_life_days: 7, top_k: 10_000 });

    // The artifact: adopted into the store under its hash, the staging folder gone.
    expect(version.artifact).toBe(`sha256/${version.contentHash}/item_popularity.json`);
    expect(await workers.store.verify(version.artifact!)).toBe(true);
    const table = JSON.parse(readFileSync(await workers.store.path(version.artifact!), "utf8")) as {
      items: Array<{ item_id: string; score: number; events: number }>;
    };
    expect(table.items.map((i) => i.item_id)).toEqual(["p1", "p2"]);
    // One purchase at the newest time (5) and a view 9 days, i.e. 9/7 half-lives, older.
    expect(table.items[0]!.score).toBeCloseTo(5 + 0.5 ** (9 / 7), 6);
    expect(existsSync(path.join(workers.store.stagingDir(row.id)))).toBe(false);

    // Lineage: the ingest run under the bound (not the late one) and the trainer package.
    expect(version.inputs.map((e) => [e.ingestRunId, e.external, e.role])).toEqual([
      [run.id, null, "events"],
      [null, "pypi:shopmind-trainers==0.1.0", "trainer"],
    ]);
  });

  it("a training that fails for good marks the job FAILED with the trainer's error", async () => {
    // A flow only a broken producer would add: enqueueRetrain refuses unknown features.
    const row = await createJobRow(catalog, {
      queue: QUEUES.register,
      name: "retrain",
      data: { feature: "nope" },
    });
    const flows = new FlowProducer(queueOptions(settings));
    const data = {
      feature: "nope",
      params: {},
      eventBound: 0,
      snapshotAt: new Date().toISOString(),
      jobRowId: row.id,
    };
    try {
      await flows.add({
        name: "retrain",
        queueName: QUEUES.register,
        data,
        opts: { ...JOB_OPTIONS.register, jobId: row.id },
        children: [
          {
            name: "nope",
            queueName: QUEUES.train,
            data,
            opts: { ...JOB_OPTIONS.train, jobId: row.id, failParentOnFailure: true },
          },
        ],
      });
    } finally {
      await flows.close();
    }
    trainers ??= startTrainerProcess(settings, {
      log: (line) => logs.push(`[py] ${line}`),
      stopTimeoutMs: 10_000,
    });
    const done = await settled(catalog, statuses, row.id);
    expect(done.status, logs.join("\n")).toBe("FAILED");
    expect(done.error).toMatch(/no trainer for feature 'nope'/);
    expect([row.status, ...(statuses.get(row.id) ?? [])]).toEqual(["QUEUED", "ACTIVE", "FAILED"]);
    expect(await catalog.prisma.featureVersion.count({ where: { jobId: row.id } })).toBe(0);
  });
});
