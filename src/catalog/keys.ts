/**
 * API keys: created once and shown once, stored only as a SHA-256 hash, looked up by that hash
 * and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { InputError, NotFoundError } from "../errors.js";
import type { CatalogClient } from "./client.js";

export const ROLES = ["VIEWER", "STEWARD", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

/** Higher roles include every right of the lower ones. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { VIEWER: 1, STEWARD: 2, ADMIN: 3 };

export type Principal = { keyId: string; name: string; role: Role };

const KEY_PREFIX = "smk_";
const NewKeyInput = z.object({
  role: z.enum(ROLES),
  name: z.string().trim().min(1, "must not be empty").max(100, "at most 100 characters"),
});

function digest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Creates a key for a role; the returned `key` is the only time the secret is seen. */
export async function createApiKey(
  prisma: CatalogClient,
  input: { role: string; name: string },
): Promise<{ id: string; key: string; role: Role; name: string; prefix: string }> {
  const parsed = NewKeyInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(String(issue.path[0] ?? "input"), issue.message);
  }
  const key = KEY_PREFIX + randomBytes(32).toString("base64url");
  const prefix = key.slice(0, KEY_PREFIX.length + 6);
  const row = await prisma.apiKey.create({
    data: { name: parsed.data.name, role: parsed.data.role, prefix, hash: digest(key) },
  });
  return { id: row.id, key, role: parsed.data.role, name: row.name, prefix };
}

// Verified keys per catalog client, for a few seconds: every request presents its key, and one
// lookup per request is a sizeable share of a small query's cost. A revocation made through
// the same client clears the entry at once; one made by another process (the CLI, another
// server) takes effect within KEY_CACHE_MS.
const KEY_CACHE_MS = 5_000;
const verified = new WeakMap<CatalogClient, Map<string, { principal: Principal; until: number }>>();

function cacheOf(prisma: CatalogClient): Map<string, { principal: Principal; until: number }> {
  let cache = verified.get(prisma);
  if (!cache) {
    cache = new Map();
    verified.set(prisma, cache);
  }
  return cache;
}

/** Marks a key revoked; it stops working at once on this server. */
export async function revokeApiKey(prisma: CatalogClient, id: string): Promise<void> {
  const cache = cacheOf(prisma);
  for (const [hash, entry] of cache) if (entry.principal.keyId === id) cache.delete(hash);
  const res = await prisma.apiKey.updateMany({
    where: { id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (res.count === 0) {
    const exists = await prisma.apiKey.findUnique({ where: { id }, select: { id: true } });
    if (!exists) throw new NotFoundError("API key", id, "id");
  }
}

/**
 * Resolves a presented key to its principal, or null when it is unknown or revoked. The lookup
 * goes by hash, so no comparison ever runs on the secret itself; the final equality check is
 * constant-time anyway so that nothing depends on an index's comparison order.
 */
export async function verifyApiKey(prisma: CatalogClient, presented: string): Promise<Principal | null> {
  if (!presented.startsWith(KEY_PREFIX) || presented.length > 200) return null;
  const hash = digest(presented);
  const cache = cacheOf(prisma);
  const hit = cache.get(hash);
  if (hit && hit.until > Date.now()) return hit.principal;
  const row = await prisma.apiKey.findUnique({ where: { hash } });
  if (!row || row.revokedAt) return null;
  if (!timingSafeEqual(Buffer.from(row.hash, "hex"), Buffer.from(hash, "hex"))) return null;
  const principal: Principal = { keyId: row.id, name: row.name, role: row.role as Role };
  if (cache.size > 10_000) cache.clear();
  cache.set(hash, { principal, until: Date.now() + KEY_CACHE_MS });
  return principal;
}
