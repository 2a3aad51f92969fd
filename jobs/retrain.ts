/**
 * Retraining a feature: the one entry point (the CLI, the GraphQL `retrain` mutation and tests
 * all call `enqueueRetrain`). A retrain is a BullMQ flow of two jobs sharing the Job row's id:
 * the child `train` job, worked by a Python trainer, and the parent `register` job, which BullMQ
 * releases once the child completed and which registers the child's result as a version.
 */
import { FlowProducer } from "bullmq";
import type { Catalog } from "../src/catalog/client.js";
import type { Job } from "../src/catalog/generated/sqlite/client.js";
import type { Settings } from "../src/config.js";
import { ShopmindError } from "../src/errors.js";
import { JOB_OPTIONS, QUEUES, queueOptions } from "./queues.js";
import { createJobRow } from "./tracker.js";
import { checkTrainParams } from "./training.js";

export type RetrainRequest = { feature: string; params?: unknown };

/** What the `register` and `train` jobs of a retrain carry (the Job row's `data` too). */
export type RetrainData = {
  feature: string;
  params: Record<string, unknown>;
  /** The point-in-time bound: the newest event seq when the retrain was asked for. */
  eventBound: number;
  snapshotAt: string;
};

/**
 * Queues a retrain of `feature` on the catalog as it is now: takes the snapshot bound (the
 * newest Event.seq), creates the Job row (QUEUED) and adds the flow. Throws InputError for an
 * unknown feature or bad params, before anything is written.
 */
export async function enqueueRetrain(
  catalog: Pick<Catalog, "prisma">,
  settings: Pick<Settings, "redisUrl" | "queuePrefix">,
  request: RetrainRequest,
  options: { flows?: FlowProducer } = {},
): Promise<Job> {
  const params = checkTrainParams(request.feature, request.params);
  const newest = await catalog.prisma.event.aggregate({ _max: { seq: true } });
  const data: RetrainData = {
    feature: request.feature,
    params,
    eventBound: newest._max.seq ?? 0,
    snapshotAt: new Date().toISOString(),
  };
  const row = await createJobRow(catalog, { queue: QUEUES.register, name: "retrain", data });
  const flows = options.flows ?? new FlowProducer(queueOptions(settings));
  try {
    await flows.add({
      name: "retrain",
      queueName: QUEUES.register,
      data: { ...data, jobRowId: row.id },
      opts: { ...JOB_OPTIONS.register, jobId: row.id },
      children: [
        {
          name: request.feature,
          queueName: QUEUES.train,
          data: { ...data, jobRowId: row.id },
          // A training that fails for good fails its registration too, so the flow ends (and the
          // tracker marks the row FAILED) instead of waiting for a child that will never finish.
          opts: { ...JOB_OPTIONS.train, jobId: row.id, failParentOnFailure: true },
        },
      ],
    });
  } catch (err) {
    const message = `could not queue the retrain: ${(err as Error).message}`;
    await catalog.prisma.job.update({
      where: { id: row.id },
      data: { status: "FAILED", error: message, finishedAt: new Date() },
    });
    throw new ShopmindError("UNAVAILABLE", message, { field: "retrain", cause: err });
  } finally {
    if (!options.flows) await flows.close();
  }
  return row;
}
