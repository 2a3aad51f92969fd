import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueIngest } from "../../jobs/ingest.js";
import type { JobProgress } from "../../jobs/tracker.js";
import { type RunningWorkers, startWorkers } from "../../jobs/worker.js";
import type { Job } from "../../src/catalog/generated/sqlite/client.js";
import { loadSettings, type Settings } from "../../src/config.js";
import { InputError } from "../../src/errors.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { dropQueues, testQueueSettings } from "../support/queues.js";

describe.each(PROVIDERS)("the ingest queue on %s", (provider) => {
  let catalog: TestCatalog;
  let settings: Settings;
  let workers: RunningWorkers;
  const finals = new Map<string, Job>();

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
      queues: ["ingest"],
      log: () => {},
      onJobChange: (row) => {
        if (row.status === "COMPLETED" || row.status === "FAILED") finals.set(row.id, row);
      },
    });
  });
  afterAll(async () => {
    await workers?.close();
    if (settings) await dropQueues(settings);
    await catalog?.drop();
  });

  async function settled(id: string): Promise<Job> {
    const until = Date.now() + 60_000;
    while (!finals.has(id)) {
      if (Date.now() > until) throw new Error(`ingest job ${id} did not finish`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return finals.get(id)!;
  }

  it("loads a file through a worker and keeps the report on the job", async () => {
    const file = path.join(catalog.dataDir, "products.csv");
    writeFileSync(file, "item_id,title,price\np1,Lamp,10\np2,Chair,20\np3,,5\n");
    const row = await enqueueIngest(catalog, settings, { kind: "products", file });
    expect(row).toMatchObject({ status: "QUEUED", queue: "ingest", name: "ingest products" });
    const done = await settled(row.id);
    expect(done.status).toBe("COMPLETED");
    expect(done.attempts).toBe(1);
    expect(done.result).toMatchObject({ inputRows: 3, accepted: 2, quarantined: 1 });
    expect((done.progress as JobProgress).steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(["queued", "active", "completed"]),
    );
    expect(await catalog.prisma.product.count()).toBe(2);
  });

  it("fails a file that cannot be read at once, without retrying", async () => {
    const row = await enqueueIngest(catalog, settings, {
      kind: "products",
      file: path.join(catalog.dataDir, "missing.csv"),
    });
    const done = await settled(row.id);
    expect(done.status).toBe("FAILED");
    expect(done.attempts).toBe(1);
    expect(done.error).toMatch(/missing\.csv/);
  });

  it("refuses a bad request before queueing anything", async () => {
    await expect(
      enqueueIngest(catalog, settings, { kind: "orders" as never, file: "x.csv" }),
    ).rejects.toBeInstanceOf(InputError);
  });
});
