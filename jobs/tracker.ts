/**
 * Keeps the catalog's Job rows in step with the queues. Every job the product enqueues has a Job
 * row whose id is also its BullMQ job id (on each queue a flow touches), so an event on any queue
 * names its row. The tracker turns queue events into row changes: QUEUED -> ACTIVE when a worker
 * takes the job, progress steps as workers report them, COMPLETED or FAILED at the end.
 *
 * The Python trainers cannot write the catalog, so what they do reaches the row through BullMQ's
 * event stream (QueueEvents), which every TypeScript worker process reads. Several processes may
 * read the same event: each step carries the event's stream id and is stored once, and a row
 * that reached COMPLETED or FAILED is never changed again by a late event.
 */
import { Job as BullJob, Queue, QueueEvents } from "bullmq";
import type { Catalog } from "../src/catalog/client.js";
import type { Job, Prisma } from "../src/catalog/generated/sqlite/client.js";
import type { JobStatus } from "../src/catalog/jobs.js";
import type { Settings } from "../src/config.js";
import { QUEUES, type QueueName, queueOptions } from "./queues.js";

/** One line of a job's progress. */
export type ProgressStep = {
  at: string;
  queue: string;
  step: string;
  message?: string;
  fraction?: number;
  attempt?: number;
  /** The BullMQ event it came from, so that a step read by two processes is kept once. */
  event?: string;
};

/** The `progress` column: the newest step up front, every step in order below. */
export type JobProgress = { step: string; fraction: number | null; steps: ProgressStep[] };

/** Steps kept per job; a long run keeps its first and newest ones. */
const MAX_STEPS = 200;
const FINAL: readonly JobStatus[] = ["COMPLETED", "FAILED"];

export type TrackerHooks = {
  /** Called with the row after every change (tests watch the transitions through it). */
  onChange?: (row: Job) => void;
  /** Where problems of the tracker itself go (a row it could not update). */
  onError?: (err: unknown) => void;
};

function readProgress(value: unknown): JobProgress {
  const v = value as Partial<JobProgress> | null;
  return {
    step: typeof v?.step === "string" ? v.step : "",
    fraction: typeof v?.fraction === "number" ? v.fraction : null,
    steps: Array.isArray(v?.steps) ? (v.steps as ProgressStep[]) : [],
  };
}

/**
 * Adds a step in time order: events of different queues arrive on different streams, so a
 * trainer's last progress can be read after the registration that followed it.
 */
function withStep(progress: JobProgress, step: ProgressStep): JobProgress {
  if (step.event && progress.steps.some((s) => s.event === step.event)) return progress;
  let steps = [...progress.steps, step].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  // A step that repeats the one before it (a count going up) replaces it: the row keeps the news.
  const [before, added] = steps.slice(-2);
  if (before && added && before.queue === added.queue && before.step === added.step) steps.splice(-2, 1);
  if (steps.length > MAX_STEPS)
    steps = [...steps.slice(0, 10), ...steps.slice(steps.length - (MAX_STEPS - 10))];
  const last = steps[steps.length - 1]!;
  return { step: last.step, fraction: last.fraction ?? progress.fraction, steps };
}

/** A BullMQ stream id (`<ms>-<n>`) as a time, or now. */
function eventTime(id: string | undefined): string {
  const ms = id ? Number(id.split("-")[0]) : Number.NaN;
  return (Number.isFinite(ms) ? new Date(ms) : new Date()).toISOString();
}

/** Job rows, changed one at a time per row (a step is a read-modify-write of its JSON). */
export class JobTracker {
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Row changes wait on this while this process holds SQLite's write lock (see holdWhile). */
  private gate: Promise<unknown> = Promise.resolve();
  private readonly events: QueueEvents[] = [];
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly catalog: Pick<Catalog, "prisma">,
    private readonly settings: Pick<Settings, "redisUrl" | "queuePrefix">,
    private readonly hooks: TrackerHooks = {},
  ) {}

  /** Runs `fn` after every earlier change of the same row, so no change overwrites another. */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.chains.set(id, settled);
    void settled.then(() => {
      if (this.chains.get(id) === settled) this.chains.delete(id);
    });
    return next;
  }

  private async change(
    id: string,
    fn: (row: Job) => Prisma.JobUpdateInput | null | Promise<Prisma.JobUpdateInput | null>,
    options: { finalToo?: boolean } = {},
  ): Promise<Job | null> {
    return this.serial(id, async () => {
      await this.gate;
      const row = await this.catalog.prisma.job.findUnique({ where: { id } });
      if (!row || (!options.finalToo && FINAL.includes(row.status as JobStatus))) return null;
      const data = await fn(row);
      if (!data) return null;
      // The status condition keeps a row another process finished meanwhile as it is.
      const { count } = await this.catalog.prisma.job.updateMany({
        where: { id, status: row.status },
        data: data as Prisma.JobUpdateManyMutationInput,
      });
      if (count === 0) return null;
      const updated = await this.catalog.prisma.job.findUnique({ where: { id } });
      if (updated) this.hooks.onChange?.(updated);
      return updated;
    });
  }

  /**
   * A worker took the job: ACTIVE, with its attempt number and start time. `attempts` is asked
   * inside the row's turn, so that the change keeps its place among the job's other events.
   */
  markActive(
    id: string,
    step: Omit<ProgressStep, "at"> & { at?: string },
    attempts?: () => Promise<number | undefined>,
  ): Promise<Job | null> {
    return this.change(id, async (row) => {
      const n = (await attempts?.()) ?? row.attempts + 1;
      return {
        status: "ACTIVE",
        startedAt: row.startedAt ?? new Date(),
        attempts: n,
        progress: withStep(readProgress(row.progress), { at: new Date().toISOString(), ...step, attempt: n }),
      };
    });
  }

  /**
   * Runs `fn` with row changes held back until it settles. An ingest into SQLite holds the
   * catalog's write lock until it commits; a row change meanwhile would wait on the lock with the
   * event loop blocked (the driver is synchronous), stalling the ingest itself.
   */
  holdWhile<T>(fn: () => Promise<T>): Promise<T> {
    const work = fn();
    this.gate = Promise.all([this.gate, work.catch(() => undefined)]);
    return work;
  }

  /**
   * One more line of progress. A step read from an event is kept even after the row finished
   * (it happened before the end, and arrived late); its status stays as it is.
   */
  recordStep(id: string, step: Omit<ProgressStep, "at"> & { at?: string }): Promise<Job | null> {
    return this.change(
      id,
      (row) => {
        const before = readProgress(row.progress);
        const after = withStep(before, { at: new Date().toISOString(), ...step });
        if (after === before) return null;
        // A finished row keeps its final step up front.
        return {
          progress: FINAL.includes(row.status as JobStatus)
            ? { ...after, step: before.step, fraction: before.fraction }
            : after,
        };
      },
      { finalToo: step.event !== undefined },
    );
  }

  /** The job finished: COMPLETED with its result. */
  markCompleted(
    id: string,
    result: Record<string, unknown>,
    step?: Omit<ProgressStep, "at">,
  ): Promise<Job | null> {
    return this.change(id, (row) => ({
      status: "COMPLETED",
      result: result as Prisma.InputJsonValue,
      finishedAt: new Date(),
      startedAt: row.startedAt ?? new Date(),
      ...(step
        ? { progress: withStep(readProgress(row.progress), { at: new Date().toISOString(), ...step }) }
        : {}),
    }));
  }

  /** The job failed for good (its attempts are spent, or retrying cannot help): FAILED. */
  markFailed(id: string, error: string, step?: Omit<ProgressStep, "at">): Promise<Job | null> {
    return this.change(id, (row) => ({
      status: "FAILED",
      error: error.slice(0, 4000),
      finishedAt: new Date(),
      ...(step
        ? { progress: withStep(readProgress(row.progress), { at: new Date().toISOString(), ...step }) }
        : {}),
    }));
  }

  private queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, queueOptions(this.settings));
      this.queues.set(name, q);
    }
    return q;
  }

  /** How many times BullMQ started the job (shared by every process that asks), if it still has it. */
  private async attemptsStarted(queue: QueueName, id: string): Promise<number | undefined> {
    const job = await BullJob.fromId(this.queue(queue), id);
    return job ? Math.max(job.attemptsStarted, 1) : undefined;
  }

  private guard(work: Promise<unknown>): void {
    work.catch((err: unknown) => this.hooks.onError?.(err));
  }

  /**
   * Follows the events of `queues` until close(). On `train` `active` means the job started; on
   * `register` it is the last step of a flow; an ingest job reports its own start.
   */
  async watch(queues: readonly QueueName[]): Promise<void> {
    for (const name of queues) {
      const events = new QueueEvents(name, queueOptions(this.settings));
      events.on("error", (err) => this.hooks.onError?.(err));
      events.on("active", ({ jobId }, id) => {
        const step = {
          queue: name,
          step: name === QUEUES.register ? "register" : "active",
          event: id,
          at: eventTime(id),
        };
        // An ingest job marks itself ACTIVE before it takes the write lock (see holdWhile).
        if (name === QUEUES.ingest) return;
        if (name === QUEUES.register) this.guard(this.recordStep(jobId, step));
        else this.guard(this.markActive(jobId, step, () => this.attemptsStarted(name, jobId)));
      });
      events.on("progress", ({ jobId, data }, id) => {
        const d = (typeof data === "object" && data !== null ? data : { fraction: data }) as Record<
          string,
          unknown
        >;
        this.guard(
          this.recordStep(jobId, {
            queue: name,
            step: typeof d.step === "string" ? d.step : "progress",
            ...(typeof d.message === "string" ? { message: d.message } : {}),
            ...(typeof d.fraction === "number" ? { fraction: d.fraction } : {}),
            ...(typeof d.attempt === "number" ? { attempt: d.attempt } : {}),
            event: id,
            at: eventTime(id),
          }),
        );
      });
      events.on("stalled", ({ jobId }, id) => {
        this.guard(
          this.recordStep(jobId, {
            queue: name,
            step: "stalled",
            message: "its worker stopped renewing the lock; BullMQ hands it to another worker",
            event: id,
            at: eventTime(id),
          }),
        );
      });
      // BullMQ sends `failed` only when a job fails for good (retries send `delayed`/`waiting`).
      events.on("failed", ({ jobId, failedReason }, id) => {
        this.guard(
          this.markFailed(jobId, failedReason, {
            queue: name,
            step: "failed",
            message: failedReason,
            event: id,
          }),
        );
      });
      events.on("delayed", ({ jobId }, id) => {
        this.guard(
          this.recordStep(jobId, {
            queue: name,
            step: "retry",
            message: "failed; retrying after a backoff",
            event: id,
            at: eventTime(id),
          }),
        );
      });
      this.events.push(events);
      await events.waitUntilReady();
    }
  }

  /**
   * Settles rows whose jobs ended while no tracker was listening: open rows (QUEUED or ACTIVE)
   * older than `graceMs` whose BullMQ job failed, completed, or is gone. Returns the rows changed.
   */
  async reconcile(graceMs = 60_000): Promise<Job[]> {
    const open = await this.catalog.prisma.job.findMany({
      where: { status: { in: ["QUEUED", "ACTIVE"] }, createdAt: { lt: new Date(Date.now() - graceMs) } },
      orderBy: { createdAt: "asc" },
      take: 1000,
    });
    const changed: Job[] = [];
    for (const row of open) {
      if (!(Object.values(QUEUES) as string[]).includes(row.queue)) continue;
      const job = await BullJob.fromId(this.queue(row.queue as QueueName), row.id);
      let updated: Job | null = null;
      if (!job)
        updated = await this.markFailed(
          row.id,
          "the job is no longer in its queue (lost by Redis, or never added)",
        );
      else {
        const state = await job.getState();
        if (state === "failed") updated = await this.markFailed(row.id, job.failedReason || "failed");
        else if (state === "completed")
          updated = await this.markCompleted(row.id, (job.returnvalue ?? {}) as Record<string, unknown>);
      }
      if (updated) changed.push(updated);
    }
    return changed;
  }

  /** Stops following events and waits for pending row changes. */
  async close(): Promise<void> {
    await Promise.all(this.events.map((e) => e.close()));
    await Promise.all([...this.chains.values()]);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.events.length = 0;
    this.queues.clear();
  }
}

/** Creates the Job row for a job about to be enqueued; its id becomes the BullMQ job id. */
export function createJobRow(
  catalog: Pick<Catalog, "prisma">,
  row: { queue: QueueName; name: string; data: Record<string, unknown> },
): Promise<Job> {
  const progress: JobProgress = {
    step: "queued",
    fraction: 0,
    steps: [{ at: new Date().toISOString(), queue: row.queue, step: "queued" }],
  };
  return catalog.prisma.job.create({
    data: {
      queue: row.queue,
      name: row.name,
      status: "QUEUED",
      data: row.data as Prisma.InputJsonValue,
      progress: progress as unknown as Prisma.InputJsonValue,
    },
  });
}
