/** Reading features and their versions. */

import type { CatalogClient } from "./client.js";
import type { Feature, FeatureVersion } from "./generated/sqlite/client.js";

export const VERSION_STATUSES = ["STAGED", "ACTIVE", "DEPRECATED", "ERASED"] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** Every feature, by name. */
export function listFeatures(prisma: CatalogClient): Promise<Feature[]> {
  return prisma.feature.findMany({ orderBy: { name: "asc" } });
}

/** A feature by its unique name, or null. */
export function featureByName(prisma: CatalogClient, name: string): Promise<Feature | null> {
  return prisma.feature.findUnique({ where: { name } });
}

/** A feature's tags: the stored JSON array, with anything that is not a string left out. */
export function featureTags(feature: { tags: unknown }): string[] {
  return Array.isArray(feature.tags) ? feature.tags.filter((t): t is string => typeof t === "string") : [];
}

/**
 * The page of `versions` (newest first, as the versions loader gives them) after version number
 * `beforeNumber`, with one extra so the caller knows whether more follow.
 */
export function pageOfVersions(
  versions: readonly FeatureVersion[],
  args: { take: number; beforeNumber?: number | null },
): FeatureVersion[] {
  const rest = args.beforeNumber != null ? versions.filter((v) => v.number < args.beforeNumber!) : versions;
  return rest.slice(0, args.take + 1);
}

/** The version being served, if any: the newest ACTIVE one. */
export function activeOf(versions: readonly FeatureVersion[]): FeatureVersion | null {
  return versions.find((v) => v.status === "ACTIVE") ?? null;
}
