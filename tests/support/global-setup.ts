/**
 * Builds one migrated template catalog per provider with `prisma migrate deploy`, the command a
 * shop runs; every test then copies a template instead of migrating again.
 */
import { mkdirSync, rmSync } from "node:fs";
import pg from "pg";
import { migrate } from "../../src/catalog/migrations.js";
import { PG_ADMIN_URL, PG_TEMPLATE, pgDatabaseUrl, SCRATCH, SQLITE_TEMPLATE } from "./env.js";

export default async function setup(): Promise<void> {
  mkdirSync(SCRATCH, { recursive: true });
  rmSync(SQLITE_TEMPLATE, { force: true });
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${PG_TEMPLATE}`);
  } finally {
    await admin.end();
  }
  await migrate(`file:${SQLITE_TEMPLATE}`);
  await migrate(pgDatabaseUrl(PG_TEMPLATE));
}
