/**
 * The `ingest` queue: a file to load into the catalog, run by a TypeScript worker through the
 * same `ingestFile` the `shopmind ingest` command calls. `enqueueIngest` creates the Job row and
 * adds the job (its BullMQ id is the row's id); the processor marks the row ACTIVE, reports
 * progress through BullMQ while the file loads, and stores the ingest report as the result.
 */
import path from "node:path";
import { type Job as BullJob, Queue, UnrecoverableError } from "bullmq";
import { z } from "zod";
import type { Catalog } from "../src/catalog/client.js";
import type { Job } from "../src/catalog/generated/sqlite/client.js";
import type { Settings } from "../src/config.js";
import { InputError, ShopmindError } from "../src/errors.js";
import { type IngestReport, type IngestRequest, ingestFile } from "../src/ingest/index.js";
import { JOB_OPTIONS, QUEUES, queueOptions } from "./queues.js";
import { createJobRow, type JobTracker } from "./tracker.js";

const IngestJobSchema = z.strictObject({
  kind: z.enum(["products", "events", "judgements"]),
  /** Absolute, since the worker may run in another folder than the caller. */
  file: z.string().min(1),
  format: z.string().min(1).optional(),
  /** Source column -> canonical field. */
  map: z.record(z.string(), z.string()).optional(),
  encoding: z.enum(["utf8", "latin1"]).optional(),
});

/** What an ingest job carries: an IngestRequest without its callback. */
export type IngestJob = z.infer<typeof IngestJobSchema>;

/** The function the processor calls (src/ingest's `ingestFile`; tests may pass another). */
export type IngestFileFn = (
  catalog: Catalog,
  settings: Settings,
  request: IngestRequest,
) => Promise<IngestReport>;

/** Queues an ingest of `request.file`; the Job row comes back QUEUED. */
export async function enqueueIngest(
  catalog: Pick<Catalog, "prisma">,
  settings: Pick<Settings, "redisUrl" | "queuePrefix">,
  request: IngestJob,
): Promise<Job> {
  const parsed = IngestJobSchema.safeParse({ ...request, file: path.resolve(request.file) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.path.join(".") || "ingest", issue.message);
  }
  const data = parsed.data;
  const row = await createJobRow(catalog, { queue: QUEUES.ingest, name: `ingest ${data.kind}`, data });
  const queue = new Queue(QUEUES.ingest, queueOptions(settings));
  try {
    await queue.add(row.name, { ...data, jobRowId: row.id }, { ...JOB_OPTIONS.ingest, jobId: row.id });
  } catch (err) {
    const message = `could not queue the ingest: ${(err as Error).message}`;
    await catalog.prisma.job.update({
      where: { id: row.id },
      data: { status: "FAILED", error: message, finishedAt: new Date() },
    });
    throw new ShopmindError("UNAVAILABLE", message, { field: "ingest", cause: err });
  } finally {
    await queue.close();
  }
  return row;
}

/** Makes the processor for `ingest` jobs. */
export function ingestProcessor(deps: {
  catalog: Catalog;
  settings: Settings;
  tracker: JobTracker;
  ingestFile?: IngestFileFn;
}): (job: BullJob) => Promise<IngestReport> {
  const { catalog, settings, tracker } = deps;
  const ingest = deps.ingestFile ?? ingestFile;
  return async (job) => {
    const parsed = IngestJobSchema.extend({ jobRowId: z.string().min(1) }).safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`ingest job ${job.id}: bad data: ${parsed.error.message}`);
    const { jobRowId, ...request } = parsed.data;
    const attempt = Math.max(job.attemptsStarted, 1);
    await tracker.markActive(
      jobRowId,
      { queue: QUEUES.ingest, step: "active", attempt },
      async () => attempt,
    );
    const run = async () =>
      ingest(catalog, settings, {
        ...request,
        // Through BullMQ, not the catalog: on SQLite the ingest holds the write lock meanwhile.
        onProgress: ({ rows }) => {
          void job
            .updateProgress({ step: "ingest", message: `${rows} rows read`, rows })
            .catch(() => undefined);
        },
      });
    let report: IngestReport;
    try {
      report = catalog.target.provider === "sqlite" ? await tracker.holdWhile(run) : await run();
    } catch (err) {
      // A file that is wrong stays wrong: no retry. Anything else (a database restart) may pass.
      if (err instanceof ShopmindError && err.code === "BAD_USER_INPUT")
        throw new UnrecoverableError(err.message);
      throw err;
    }
    await tracker.markCompleted(
      jobRowId,
      { ...report },
      {
        queue: QUEUES.ingest,
        step: "completed",
        message: `${report.accepted} accepted, ${report.quarantined} quarantined`,
        fraction: 1,
      },
    );
    return report;
  };
}
