/**
 * A TypeScript worker process: BullMQ workers for the `ingest` and `register` queues, the tracker
 * that mirrors every queue's events into Job rows, and optionally the Python trainer worker as a
 * supervised child. `shopmind worker` runs one; tests start one in process.
 */
import { type Job as BullJob, Worker } from "bullmq";
import { type ArtifactStore, openArtifactStore } from "../src/artifacts/store.js";
import { type Catalog, openCatalog } from "../src/catalog/client.js";
import type { Job } from "../src/catalog/generated/sqlite/client.js";
import type { Settings } from "../src/config.js";
import { type IngestFileFn, ingestProcessor } from "./ingest.js";
import { QUEUES, type QueueName, queueOptions } from "./queues.js";
import { registerProcessor } from "./register.js";
import { JobTracker } from "./tracker.js";
import { startTrainerProcess, type TrainerProcess, type TrainerProcessOptions } from "./trainer-process.js";

export type WorkerProcessOptions = {
  /** TypeScript queues to work (default: ingest and register). */
  queues?: readonly QueueName[];
  /** Also start the Python trainer worker (the `train` queue). */
  trainers?: boolean | TrainerProcessOptions;
  /** Jobs at once per queue. */
  concurrency?: number;
  /** Settle rows whose jobs ended while no worker listened, at start (default true). */
  reconcile?: boolean;
  /** Where lines about the workers go. */
  log?: (line: string) => void;
  /** Called with a Job row after each change. */
  onJobChange?: (row: Job) => void;
  /** The ingest function (default: src/ingest's `ingestFile`; tests pass others). */
  ingestFile?: IngestFileFn;
};

export type RunningWorkers = {
  readonly catalog: Catalog;
  readonly store: ArtifactStore;
  readonly tracker: JobTracker;
  readonly trainers: TrainerProcess | undefined;
  /** Lets running jobs finish, then closes workers, tracker, trainers and catalog. */
  close(): Promise<void>;
};

/** Starts the workers of one process. */
export async function startWorkers(
  settings: Settings,
  options: WorkerProcessOptions = {},
): Promise<RunningWorkers> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const queues = options.queues ?? [QUEUES.ingest, QUEUES.register];
  const catalog = await openCatalog(settings);
  const store = openArtifactStore(settings);
  const tracker = new JobTracker(catalog, settings, {
    ...(options.onJobChange ? { onChange: options.onJobChange } : {}),
    onError: (err) => log(`job tracker: ${(err as Error).message ?? String(err)}`),
  });
  const workers: Worker[] = [];
  let trainers: TrainerProcess | undefined;
  try {
    // Every queue a job of this shop may run on, whoever works it.
    await tracker.watch([QUEUES.ingest, QUEUES.train, QUEUES.register]);
    if (options.reconcile !== false) {
      const settled = await tracker.reconcile();
      if (settled.length) log(`settled ${settled.length} job(s) that ended while no worker listened`);
    }
    for (const name of queues) {
      let processor: (job: BullJob) => Promise<unknown>;
      if (name === QUEUES.register) processor = registerProcessor({ catalog, store, tracker });
      else if (name === QUEUES.ingest) {
        processor = ingestProcessor({
          catalog,
          settings,
          tracker,
          ...(options.ingestFile ? { ingestFile: options.ingestFile } : {}),
        });
      } else throw new Error(`the ${name} queue is worked by the Python trainers (--trainers), not here`);
      const worker = new Worker(name, processor, {
        ...queueOptions(settings),
        concurrency: options.concurrency ?? 1,
      });
      worker.on("error", (err) => log(`${name} worker: ${err.message}`));
      worker.on("failed", (job, err) => {
        if (!job) return;
        const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === "UnrecoverableError";
        log(`${name} job ${job.id} failed${final ? "" : ", will retry"}: ${err.message}`);
      });
      await worker.waitUntilReady();
      workers.push(worker);
    }
    if (options.trainers) {
      const trainerOptions = typeof options.trainers === "object" ? options.trainers : {};
      trainers = startTrainerProcess(settings, {
        log: (line) => log(`[trainers] ${line}`),
        ...trainerOptions,
      });
    }
  } catch (err) {
    await Promise.allSettled(workers.map((w) => w.close()));
    await tracker.close();
    await catalog.close();
    throw err;
  }
  const running = trainers;
  return {
    catalog,
    store,
    tracker,
    trainers: running,
    async close() {
      // Workers first (they finish their jobs and write rows), then what the rows need.
      await Promise.allSettled([...workers.map((w) => w.close()), running?.stop()]);
      await tracker.close();
      await catalog.close();
    },
  };
}
