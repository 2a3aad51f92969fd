/**
 * prisma/schema.prisma is the one source of the catalog's models; PostgreSQL's schema file is
 * derived from it (Prisma fixes the provider per file).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SQLITE_SCHEMA = path.join(ROOT, "prisma", "schema.prisma");
export const POSTGRESQL_SCHEMA = path.join(ROOT, "prisma", "postgresql", "schema.prisma");

/** The text prisma/postgresql/schema.prisma must hold for the current prisma/schema.prisma. */
export function derivePostgresqlSchema(source = readFileSync(SQLITE_SCHEMA, "utf8")): string {
  const out = source
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('url      = "file:./unused.db"', 'url      = "postgresql://unused"')
    .replace('"../src/catalog/generated/sqlite"', '"../../src/catalog/generated/postgresql"');
  return `// Derived from ../schema.prisma by \`npm run prisma:schemas\`: edit that file, not this one.\n${out}`;
}
