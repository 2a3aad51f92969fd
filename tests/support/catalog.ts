/**
 * A fresh, migrated catalog per test on either provider: SQLite copies the template file,
 * PostgreSQL creates a database from the template database.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { type Catalog, type OpenOptions, openCatalog } from "../../src/catalog/client.js";
import { PG_ADMIN_URL, PG_TEMPLATE, pgDatabaseUrl, SCRATCH, SQLITE_TEMPLATE } from "./env.js";

export const PROVIDERS = ["sqlite", "postgresql"] as const;
export type Provider = (typeof PROVIDERS)[number];

export type TestCatalog = Catalog & { url: string; dataDir: string; drop(): Promise<void> };

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty migrated database and returns its DATABASE_URL and a scratch data dir. */
export async function freshDatabase(
  provider: Provider,
): Promise<{ url: string; dataDir: string; drop(): Promise<void> }> {
  const id = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const dataDir = path.join(SCRATCH, id);
  mkdirSync(dataDir, { recursive: true });
  if (provider === "sqlite") {
    const file = path.join(dataDir, "shopmind.db");
    copyFileSync(SQLITE_TEMPLATE, file);
    return {
      url: `file:${file}`,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  // CREATE DATABASE ... TEMPLATE needs the template to have no other sessions; tests create
  // databases concurrently, so retry briefly when PostgreSQL says it is in use.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE ${id} TEMPLATE ${PG_TEMPLATE}`));
      break;
    } catch (err) {
      if (attempt > 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  return {
    url: pgDatabaseUrl(id),
    dataDir,
    drop: async () => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a fresh catalog on a provider; `drop()` closes and deletes it. */
export async function testCatalog(provider: Provider, options: OpenOptions = {}): Promise<TestCatalog> {
  const db = await freshDatabase(provider);
  const catalog = await openCatalog({ databaseUrl: db.url, dataDir: db.dataDir }, options);
  return {
    ...catalog,
    url: db.url,
    dataDir: db.dataDir,
    drop: async () => {
      await catalog.close();
      await db.drop();
    },
  };
}
