/**
 * Builds one migrated template catalog per provider with `prisma migrate deploy`, the command a
 * shop runs; every test then copies a template instead of migrating again.
 */
import { mkdirSync, rmSync } from "node:fs";
import pg from "pg";
import { migrate } from "../../src/catalog/migrations.js";
import { PG_ADMIN_URL, PG_TEMPLATE, pgDatabaseUrl, SCRATCH, SQLITE_TEMPLATE } from "./env.js";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  mkdirSync(SCRATCH, { recursive: true });
  await admin(`CREATE DATABASE ${PG_TEMPLATE}`);
  await migrate(`file:${SQLITE_TEMPLATE}`);
  await migrate(pgDatabaseUrl(PG_TEMPLATE));
  return async () => {
    await admin(`DROP DATABASE IF EXISTS ${PG_TEMPLATE} WITH (FORCE)`);
    rmSync(SQLITE_TEMPLATE, { force: true });
  };
}
