// Writes prisma/postgresql/schema.prisma from prisma/schema.prisma.
import { writeFileSync } from "node:fs";
import { derivePostgresqlSchema, POSTGRESQL_SCHEMA } from "../src/catalog/schemas.js";

writeFileSync(POSTGRESQL_SCHEMA, derivePostgresqlSchema());
