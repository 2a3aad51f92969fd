import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { derivePostgresqlSchema, POSTGRESQL_SCHEMA } from "../../src/catalog/schemas.js";

it("keeps PostgreSQL's Prisma schema derived from the SQLite one (run `npm run prisma:schemas`)", () => {
  expect(readFileSync(POSTGRESQL_SCHEMA, "utf8")).toBe(derivePostgresqlSchema());
});
