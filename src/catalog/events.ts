/** Reading users and their events. */

import type { CatalogClient } from "./client.js";
import type { Event, User } from "./generated/sqlite/client.js";

/** A user's events, newest first, before sequence number `beforeSeq`; one extra row fetched. */
export function listUserEvents(
  prisma: CatalogClient,
  args: { userId: string; take: number; beforeSeq?: number | null },
): Promise<Event[]> {
  return prisma.event.findMany({
    where: { userId: args.userId, ...(args.beforeSeq != null ? { seq: { lt: args.beforeSeq } } : {}) },
    orderBy: { seq: "desc" },
    take: args.take + 1,
  });
}

/** Users by id, one extra row fetched. */
export function listUsers(
  prisma: CatalogClient,
  args: { take: number; afterId?: string | null },
): Promise<User[]> {
  return prisma.user.findMany({
    where: args.afterId ? { id: { gt: args.afterId } } : {},
    orderBy: { id: "asc" },
    take: args.take + 1,
  });
}
