/** Reading the job table, which mirrors the queues' jobs for lineage and for the API. */

import type { CatalogClient } from "./client.js";
import type { Job } from "./generated/sqlite/client.js";

export const JOB_STATUSES = ["QUEUED", "ACTIVE", "COMPLETED", "FAILED"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The newest `take` jobs, optionally only those with `status`. */
export function listJobs(
  prisma: CatalogClient,
  args: { take: number; status?: JobStatus | null },
): Promise<Job[]> {
  return prisma.job.findMany({
    where: args.status ? { status: args.status } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: args.take,
  });
}
