/**
 * The catalog's Prisma client for SQLite or PostgreSQL, checked against the migrations this
 * build knows before anything reads or writes.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Settings } from "../config.js";
import { ConfigError } from "../errors.js";
import { PrismaClient as PgPrismaClient } from "./generated/postgresql/client.js";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client.js";
import { knownMigrations } from "./migrations.js";
import { type CatalogTarget, catalogTarget, makeAdapter } from "./target.js";

/** The client type both providers satisfy (the models are the same). */
export type CatalogClient = InstanceType<typeof SqlitePrismaClient>;

export type Catalog = {
  readonly prisma: CatalogClient;
  readonly target: CatalogTarget;
  close(): Promise<void>;
};

export type QueryEvent = { query: string; durationMs: number };

export type OpenOptions = {
  /** Called for every SQL statement Prisma sends (tests count them). */
  onQuery?: (event: QueryEvent) => void;
  /** Skip the migration check (only the migrator itself needs this). */
  skipSchemaCheck?: boolean;
};

/** Opens the catalog named by Settings and verifies its schema is the one this build expects. */
export async function openCatalog(
  settings: Pick<Settings, "databaseUrl" | "dataDir">,
  options: OpenOptions = {},
): Promise<Catalog> {
  const target = catalogTarget(settings.databaseUrl, path.join(settings.dataDir, "shopmind.db"));
  if (target.provider === "sqlite" && target.file !== ":memory:")
    mkdirSync(path.dirname(target.file), { recursive: true });
  const adapter = makeAdapter(target);
  const log = options.onQuery ? [{ emit: "event" as const, level: "query" as const }] : [];
  const prisma =
    target.provider === "sqlite"
      ? new SqlitePrismaClient({ adapter, log })
      : (new PgPrismaClient({ adapter, log }) as unknown as CatalogClient);
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (
      prisma as unknown as { $on(e: "query", cb: (e: { query: string; duration: number }) => void): void }
    ).$on("query", (e) => onQuery({ query: e.query, durationMs: e.duration }));
  }
  if (target.provider === "sqlite") {
    // WAL lets readers go on while a writer commits; NORMAL sync in WAL mode still survives a
    // process crash (only an OS crash can lose the last commits), and foreign keys are off by
    // default in SQLite.
    await prisma.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    await prisma.$executeRawUnsafe("PRAGMA foreign_keys = ON");
    await prisma.$executeRawUnsafe("PRAGMA busy_timeout = 5000");
  }
  if (!options.skipSchemaCheck) {
    try {
      await checkSchema(prisma, target);
    } catch (err) {
      await prisma.$disconnect();
      throw err;
    }
  }
  return { prisma, target, close: () => prisma.$disconnect() };
}

/**
 * Compares the migrations applied to the database with those this build ships: a database that
 * was never migrated, or one a newer shopmind migrated, is refused with what to do.
 */
export async function checkSchema(prisma: CatalogClient, target: CatalogTarget): Promise<void> {
  const known = knownMigrations(target.provider);
  let applied: string[];
  try {
    const rows = await prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
    );
    applied = rows.map((r) => r.migration_name);
  } catch {
    throw new ConfigError(`the catalog at ${describe(target)} has no schema yet: run \`shopmind migrate\``);
  }
  const unknown = applied.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new ConfigError(
      `the catalog at ${describe(target)} was migrated by a newer shopmind (${unknown.join(", ")}); upgrade shopmind to use it`,
    );
  }
  const missing = known.filter((m) => !applied.includes(m));
  if (missing.length > 0) {
    throw new ConfigError(
      `the catalog at ${describe(target)} lacks migrations ${missing.join(", ")}: run \`shopmind migrate\``,
    );
  }
}

function describe(target: CatalogTarget): string {
  return target.provider === "sqlite" ? target.file : target.url.replace(/\/\/[^@/]*@/, "//");
}
