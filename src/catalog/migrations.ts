/**
 * The migrations this build ships, and applying them with `prisma migrate deploy`.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ConfigError } from "../errors.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Names of the migration folders for a provider, oldest first. */
export function knownMigrations(provider: "sqlite" | "postgresql"): string[] {
  const dir = path.join(ROOT, "prisma", "migrations", provider);
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Applies pending migrations to the database at `databaseUrl` (idempotent). */
export async function migrate(databaseUrl: string): Promise<string> {
  const prismaBin = path.join(ROOT, "node_modules", ".bin", "prisma");
  try {
    const { stdout } = await promisify(execFile)(prismaBin, ["migrate", "deploy"], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        // Prisma 6's CLI would otherwise look for native engines; the JavaScript ones need none.
        PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
        PRISMA_QUERY_ENGINE_LIBRARY: "/bin/false",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
      },
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new ConfigError(
      `migrate deploy failed: ${(e.stderr || e.stdout || e.message).trim().slice(-2000)}`,
    );
  }
}
