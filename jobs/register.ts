/**
 * The `register` queue's processor: the last job of a retrain flow. It reads what the Python
 * trainer returned, adopts the trainer's files from its staging folder into the artifact store
 * (hash checked), and registers the feature version with its params, metrics, snapshot bound and
 * lineage: the ingest runs whose events lie at or under the bound, and the trainer package.
 * Registration is idempotent on the Job id, so a retried `register` job finds its version.
 */
import { lstat } from "node:fs/promises";
import type { Job as BullJob } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { z } from "zod";
import { type ArtifactStore, insideStaging, type StoredArtifact } from "../src/artifacts/store.js";
import type { Catalog } from "../src/catalog/client.js";
import { ingestRunsUpTo, registerVersion, type VersionInput } from "../src/catalog/versions.js";
import { IntegrityError } from "../src/errors.js";
import type { JobTracker } from "./tracker.js";

/** A register job's data (RetrainData of jobs/retrain.ts, plus the Job row id). */
const RegisterData = z.object({
  jobRowId: z.string().min(1),
  feature: z.string().min(1),
  params: z.record(z.string(), z.json()),
  eventBound: z.number().int().min(0),
  snapshotAt: z.iso.datetime(),
});

/** What a trainer returns (jobs/trainers/src/shopmind/worker.py). */
export const TrainResultSchema = z.object({
  artifacts: z
    .array(
      z.object({
        path: z.string().min(1),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        bytes: z.number().int(),
      }),
    )
    // One file per version: FeatureVersion holds one artifact key. A trainer with several files
    // packs them (an archive, or a folder of files named by a manifest it returns as the one).
    .max(1),
  metrics: z.record(z.string(), z.json()),
  params: z.record(z.string(), z.json()).optional(),
  eventBound: z.number().int().min(0),
  trainer: z.object({ name: z.string().min(1), version: z.string().min(1), feature: z.string().min(1) }),
});
export type TrainResult = z.infer<typeof TrainResultSchema>;

export type RegisterResult = { versionId: string; number: number; feature: string; artifact: string | null };

/** Makes the processor for `register` jobs. */
export function registerProcessor(deps: {
  catalog: Pick<Catalog, "prisma">;
  store: ArtifactStore;
  tracker: JobTracker;
}): (job: BullJob) => Promise<RegisterResult> {
  const { catalog, store, tracker } = deps;
  return async (job) => {
    const parsed = RegisterData.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`register job ${job.id}: bad data: ${parsed.error.message}`);
    const data = parsed.data;
    const trainJobId = data.jobRowId;

    const values = Object.values(await job.getChildrenValues<unknown>());
    if (values.length !== 1)
      throw new UnrecoverableError(
        `register job ${job.id}: expected one trainer result, found ${values.length}`,
      );
    const result = TrainResultSchema.safeParse(values[0]);
    if (!result.success)
      throw new UnrecoverableError(`the trainer returned something unreadable: ${result.error.message}`);
    const trained = result.data;
    if (trained.eventBound !== data.eventBound || trained.trainer.feature !== data.feature)
      throw new UnrecoverableError(
        `the trainer answered for ${trained.trainer.feature} at bound ${trained.eventBound}, not ${data.feature} at ${data.eventBound}`,
      );

    // An earlier attempt may have registered the version and dropped the staging folder before
    // failing to say so: its version stands, and the files it adopted are in the store.
    let version = await catalog.prisma.featureVersion.findUnique({ where: { jobId: data.jobRowId } });
    let created = false;
    if (!version) {
      await tracker.recordStep(data.jobRowId, {
        queue: "register",
        step: "adopt",
        message: "adopting artifacts",
      });
      const staging = store.stagingDir(trainJobId);
      let primary: StoredArtifact | undefined;
      for (const a of trained.artifacts) {
        const file = insideStaging(staging, a.path);
        const info = await lstat(file).catch(() => null);
        if (!info?.isFile())
          throw new IntegrityError(`the trainer reported ${a.path}, which is not a file in ${staging}`);
        primary = await store.putFile(file, { expectedSha256: a.sha256 });
      }
      const runs = await ingestRunsUpTo(catalog, data.eventBound);
      const inputs: VersionInput[] = [
        ...runs.map((ingestRunId) => ({ ingestRunId, role: "events" })),
        { external: `pypi:${trained.trainer.name}==${trained.trainer.version}`, role: "trainer" },
      ];
      ({ version, created } = await registerVersion(catalog, {
        feature: data.feature,
        jobId: data.jobRowId,
        params: trained.params ?? data.params,
        metrics: trained.metrics,
        ...(primary ? { artifact: primary.key, contentHash: primary.sha256 } : {}),
        eventBound: data.eventBound,
        snapshotAt: new Date(data.snapshotAt),
        inputs,
      }));
    }
    // The version holds what it needs; the trainer's copies can go before the row says COMPLETED.
    await store.dropStaging(trainJobId);
    const out: RegisterResult = {
      versionId: version.id,
      number: version.number,
      feature: data.feature,
      artifact: version.artifact,
    };
    await tracker.markCompleted(data.jobRowId, out, {
      queue: "register",
      step: "completed",
      message: `${data.feature} v${version.number}${created ? "" : " (registered by an earlier attempt)"}`,
      fraction: 1,
    });
    return out;
  };
}
