/** The audit log: every write and admin action, who did it, to what. */

import type { CatalogClient } from "./client.js";
import type { Prisma } from "./generated/sqlite/client.js";
import type { Principal } from "./keys.js";

export type AuditInput = {
  actor: Principal | null;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
};

/** Appends one entry; `details` must be JSON-serialisable. */
export async function audit(prisma: CatalogClient, entry: AuditInput): Promise<void> {
  await prisma.auditEntry.create({
    data: {
      actor: entry.actor?.keyId ?? null,
      role: entry.actor?.role ?? null,
      action: entry.action,
      target: entry.target ?? null,
      ...(entry.details ? { details: entry.details as Prisma.InputJsonValue } : {}),
    },
  });
}
