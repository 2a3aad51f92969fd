import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { knownMigrations, migrate } from "../../src/catalog/migrations.js";
import { catalogTarget } from "../../src/catalog/target.js";
import { loadSettings } from "../../src/config.js";

/** `shopmind migrate`: applies the catalog migrations to DATABASE_URL (or the default file). */
export function register(program: Command): void {
  program
    .command("migrate")
    .description("apply the catalog's migrations (prisma migrate deploy) to the configured database")
    .option("--json", "print a JSON summary")
    .action(async (opts: { json?: boolean }) => {
      const settings = loadSettings();
      const target = catalogTarget(settings.databaseUrl);
      if (target.provider === "sqlite") mkdirSync(path.dirname(target.file), { recursive: true });
      await migrate(settings.databaseUrl);
      const migrations = knownMigrations(target.provider);
      if (opts.json) console.log(JSON.stringify({ provider: target.provider, migrations }));
      else console.log(`catalog (${target.provider}) is at ${migrations.at(-1)}`);
    });
}
