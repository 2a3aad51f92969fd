/**
 * Registering feature versions: the one way a derived thing enters the catalog. A version is
 * numbered per feature, written with its lineage edges in one transaction, and tied to the job
 * that made it, so that a retried job finds its version instead of registering a second one.
 */
import { z } from "zod";
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import type { Catalog, CatalogClient } from "./client.js";
import type { FeatureVersion, LineageEdge } from "./generated/sqlite/client.js";
import { Prisma } from "./generated/sqlite/client.js";

const FEATURE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const Role = z.string().min(1).max(64).optional();
const VersionInputSchema = z.union([
  z.strictObject({ versionId: z.string().min(1).max(64), role: Role }),
  z.strictObject({ ingestRunId: z.string().min(1).max(64), role: Role }),
  z.strictObject({ external: z.string().min(1).max(500), role: Role }),
]);

const JsonObject = z.record(z.string(), z.json());

export const RegisterVersionSchema = z.strictObject({
  feature: z.string().regex(FEATURE_NAME, "lowercase letters, digits and _, starting with a letter"),
  jobId: z.string().min(1).max(64),
  params: JsonObject.optional(),
  metrics: JsonObject.optional(),
  quality: JsonObject.optional(),
  /** Key of the artifact in the artifact store (`sha256/<hex>/<file>`). */
  artifact: z.string().min(1).max(300).optional(),
  contentHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "lowercase hex SHA-256")
    .optional(),
  eventBound: z.number().int().min(0).optional(),
  snapshotAt: z.date().optional(),
  inputs: z.array(VersionInputSchema).max(10_000),
});

/** One input of a version: another version, an ingest run, or something named outside the catalog. */
export type VersionInput = z.infer<typeof VersionInputSchema>;
export type RegisterVersionRequest = z.input<typeof RegisterVersionSchema>;

export type RegisteredVersion = {
  version: FeatureVersion;
  inputs: LineageEdge[];
  /** False when the job had already registered this version (a retry): nothing was written. */
  created: boolean;
};

/** Unique violations and write conflicts: the transaction lost a race and may simply run again. */
function isRetryable(err: unknown): boolean {
  return (
    err instanceof Prisma.PrismaClientKnownRequestError && (err.code === "P2002" || err.code === "P2034")
  );
}

const MAX_TRIES = 20;

/**
 * Registers a new version of `feature` (created if missing) with its lineage, or returns the one
 * `jobId` already registered. Numbers are the next free one per feature: two registrations racing
 * for the same number collide on the (feature, number) key and the loser retries.
 */
export async function registerVersion(
  catalog: Pick<Catalog, "prisma">,
  request: RegisterVersionRequest,
): Promise<RegisteredVersion> {
  const parsed = RegisterVersionSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.path.join(".") || "version", issue.message);
  }
  const req = parsed.data;
  for (let attempt = 1; ; attempt++) {
    try {
      return await catalog.prisma.$transaction((tx) => registerOnce(tx as CatalogClient, req));
    } catch (err) {
      if (!isRetryable(err) || attempt >= MAX_TRIES) throw err;
      // Jitter so that racing writers do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

type Parsed = z.output<typeof RegisterVersionSchema>;

async function registerOnce(tx: CatalogClient, req: Parsed): Promise<RegisteredVersion> {
  const existing = await tx.featureVersion.findUnique({
    where: { jobId: req.jobId },
    include: { feature: true, inputs: { orderBy: { id: "asc" } } },
  });
  if (existing) {
    if (existing.feature.name !== req.feature)
      throw new ConflictError(
        `job ${req.jobId} already registered a version of ${existing.feature.name}, not ${req.feature}`,
        "jobId",
      );
    const { feature: _feature, inputs, ...version } = existing;
    return { version, inputs, created: false };
  }
  const job = await tx.job.findUnique({ where: { id: req.jobId }, select: { id: true } });
  if (!job) throw new NotFoundError("job", req.jobId, "jobId");
  await checkInputsExist(tx, req.inputs);

  const feature = await tx.feature.upsert({
    where: { name: req.feature },
    create: { name: req.feature },
    update: {},
  });
  const last = await tx.featureVersion.aggregate({
    where: { featureId: feature.id },
    _max: { number: true },
  });
  const version = await tx.featureVersion.create({
    data: {
      featureId: feature.id,
      number: (last._max.number ?? 0) + 1,
      jobId: req.jobId,
      ...(req.params !== undefined ? { params: req.params as Prisma.InputJsonValue } : {}),
      ...(req.metrics !== undefined ? { metrics: req.metrics as Prisma.InputJsonValue } : {}),
      ...(req.quality !== undefined ? { quality: req.quality as Prisma.InputJsonValue } : {}),
      artifact: req.artifact ?? null,
      contentHash: req.contentHash ?? null,
      eventBound: req.eventBound ?? null,
      snapshotAt: req.snapshotAt ?? null,
    },
  });
  if (req.inputs.length > 0) {
    await tx.lineageEdge.createMany({
      data: req.inputs.map((input) => ({
        versionId: version.id,
        inputVersionId: "versionId" in input ? input.versionId : null,
        ingestRunId: "ingestRunId" in input ? input.ingestRunId : null,
        external: "external" in input ? input.external : null,
        role: input.role ?? null,
      })),
    });
  }
  const inputs = await tx.lineageEdge.findMany({ where: { versionId: version.id }, orderBy: { id: "asc" } });
  return { version, inputs, created: true };
}

/** Names the first input that points at nothing, rather than letting a foreign key fail. */
async function checkInputsExist(tx: CatalogClient, inputs: Parsed["inputs"]): Promise<void> {
  const versionIds = inputs.flatMap((i) => ("versionId" in i ? [i.versionId] : []));
  const runIds = inputs.flatMap((i) => ("ingestRunId" in i ? [i.ingestRunId] : []));
  // One after the other: an interactive transaction holds a single connection.
  const versions = versionIds.length
    ? await tx.featureVersion.findMany({ where: { id: { in: versionIds } }, select: { id: true } })
    : [];
  const runs = runIds.length
    ? await tx.ingestRun.findMany({ where: { id: { in: runIds } }, select: { id: true } })
    : [];
  const knownVersions = new Set(versions.map((v) => v.id));
  const knownRuns = new Set(runs.map((r) => r.id));
  inputs.forEach((input, i) => {
    if ("versionId" in input && !knownVersions.has(input.versionId))
      throw new NotFoundError("feature version", input.versionId, `inputs.${i}.versionId`);
    if ("ingestRunId" in input && !knownRuns.has(input.ingestRunId))
      throw new NotFoundError("ingest run", input.ingestRunId, `inputs.${i}.ingestRunId`);
  });
}

/** The ingest runs whose events lie at or under `eventBound`: the runs a snapshot read from. */
export async function ingestRunsUpTo(
  catalog: Pick<Catalog, "prisma">,
  eventBound: number,
): Promise<string[]> {
  // groupBy runs in the database; findMany's `distinct` would fetch every event first.
  const rows = await catalog.prisma.event.groupBy({
    by: ["ingestRunId"],
    where: { seq: { lte: eventBound }, ingestRunId: { not: null } },
  });
  return rows.flatMap((r) => (r.ingestRunId ? [r.ingestRunId] : [])).sort();
}
