/**
 * DataLoaders, built fresh for each request so nothing is cached across callers: every relation a
 * resolver follows goes through one of these, so a list of N items costs one query per relation,
 * not N.
 */
import DataLoader from "dataloader";
import type { CatalogClient } from "../catalog/client.js";
import type {
  Feature,
  FeatureVersion,
  IngestRun,
  Job,
  LineageEdge,
  Product,
  QuarantineRow,
  Release,
  User,
} from "../catalog/generated/sqlite/client.js";
import { type QuarantinePosition, quarantinePages } from "../catalog/ingestRuns.js";

function byKey<K, V>(keys: readonly K[], rows: V[], key: (row: V) => K): (V | null)[] {
  const map = new Map<K, V>();
  for (const row of rows) map.set(key(row), row);
  return keys.map((k) => map.get(k) ?? null);
}

function groupBy<K, V>(keys: readonly K[], rows: V[], key: (row: V) => K): V[][] {
  const map = new Map<K, V[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

/** Creates the loaders of one request. */
export function createLoaders(prisma: CatalogClient) {
  return {
    product: new DataLoader<string, Product | null>(async (ids) =>
      byKey(ids, await prisma.product.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    ),
    user: new DataLoader<string, User | null>(async (ids) =>
      byKey(ids, await prisma.user.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    ),
    feature: new DataLoader<string, Feature | null>(async (ids) =>
      byKey(ids, await prisma.feature.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    ),
    version: new DataLoader<string, FeatureVersion | null>(async (ids) =>
      byKey(ids, await prisma.featureVersion.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    ),
    versionsOfFeature: new DataLoader<string, FeatureVersion[]>(async (ids) =>
      groupBy(
        ids,
        await prisma.featureVersion.findMany({
          where: { featureId: { in: [...ids] } },
          orderBy: { number: "desc" },
        }),
        (r) => r.featureId,
      ),
    ),
    /** Edges naming the inputs of a version (its upstream hop). */
    inputsOf: new DataLoader<string, LineageEdge[]>(async (ids) =>
      groupBy(
        ids,
        await prisma.lineageEdge.findMany({ where: { versionId: { in: [...ids] } }, orderBy: { id: "asc" } }),
        (r) => r.versionId,
      ),
    ),
    /** Edges naming the versions that read a version (its downstream hop). */
    consumersOf: new DataLoader<string, LineageEdge[]>(async (ids) =>
      groupBy(
        ids,
        await prisma.lineageEdge.findMany({
          where: { inputVersionId: { in: [...ids] } },
          orderBy: { id: "asc" },
        }),
        (r) => r.inputVersionId!,
      ),
    ),
    ingestRun: new DataLoader<string, IngestRun | null>(async (ids) =>
      byKey(ids, await prisma.ingestRun.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    ),
    /** Edges naming an ingest run as the input of a version. */
    consumersOfRun: new DataLoader<string, LineageEdge[]>(async (ids) =>
      groupBy(
        ids,
        await prisma.lineageEdge.findMany({
          where: { ingestRunId: { in: [...ids] } },
          orderBy: { id: "asc" },
        }),
        (r) => r.ingestRunId!,
      ),
    ),
    /** One page of a run's quarantine rows (`take + 1` of them, after the position given). */
    quarantine: new DataLoader<QuarantinePageKey, QuarantineRow[], string>(
      async (keys) => {
        // Keys asking for the same page shape share one statement (in practice all of them do).
        const shapes = new Map<string, QuarantinePageKey[]>();
        for (const key of keys) {
          const shape = JSON.stringify([key.take, key.after]);
          shapes.set(shape, [...(shapes.get(shape) ?? []), key]);
        }
        const pages = new Map<string, QuarantineRow[]>();
        for (const group of shapes.values()) {
          const { take, after } = group[0]!;
          const found = await quarantinePages(prisma, [...new Set(group.map((k) => k.runId))], {
            take,
            after,
          });
          for (const key of group) pages.set(quarantineCacheKey(key), found.get(key.runId) ?? []);
        }
        return keys.map((key) => pages.get(quarantineCacheKey(key)) ?? []);
      },
      { cacheKeyFn: quarantineCacheKey },
    ),
    job: new DataLoader<string, Job | null>(async (ids) =>
      byKey(ids, await prisma.job.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id),
    ),
    /** The versions a job registered (at most one each, since FeatureVersion.jobId is unique). */
    versionsOfJob: new DataLoader<string, FeatureVersion[]>(async (ids) =>
      groupBy(
        ids,
        await prisma.featureVersion.findMany({
          where: { jobId: { in: [...ids] } },
          orderBy: { createdAt: "asc" },
        }),
        (r) => r.jobId!,
      ),
    ),
    /** The releases that pinned a version, newest first. */
    releasesOfVersion: new DataLoader<string, Release[]>(async (ids) => {
      const rows = await prisma.releaseVersion.findMany({
        where: { versionId: { in: [...ids] } },
        include: { release: true },
        orderBy: { release: { number: "desc" } },
      });
      return groupBy(ids, rows, (r) => r.versionId).map((list) => list.map((r) => r.release));
    }),
  };
}

/** What the quarantine loader is asked for: a run, a page size and where the page starts. */
export type QuarantinePageKey = { runId: string; take: number; after: QuarantinePosition | null };

function quarantineCacheKey(key: QuarantinePageKey): string {
  return JSON.stringify([key.runId, key.take, key.after?.rowNumber ?? null, key.after?.id ?? null]);
}

/** Loads many keys through a loader, rethrowing the first failure instead of returning it in place. */
export async function loadAll<K, V>(loader: DataLoader<K, V>, keys: readonly K[]): Promise<V[]> {
  const results = await loader.loadMany(keys);
  for (const r of results) if (r instanceof Error) throw r;
  return results as V[];
}

export type Loaders = ReturnType<typeof createLoaders>;
