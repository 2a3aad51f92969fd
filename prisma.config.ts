// Prisma's CLI (generate, migrate deploy, migrate diff) through the JavaScript engines: the
// schema and migration folder follow the database that DATABASE_URL names.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { catalogTarget, makeAdapter } from "./src/catalog/target.js";

const target = catalogTarget(process.env.DATABASE_URL);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", target.provider === "sqlite" ? "schema.prisma" : "postgresql/schema.prisma"),
  migrations: { path: path.join("prisma", "migrations", target.provider) },
  adapter: async () => makeAdapter(target),
});
