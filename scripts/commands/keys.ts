import type { Command } from "commander";
import { audit } from "../../src/catalog/audit.js";
import { openCatalog } from "../../src/catalog/client.js";
import { createApiKey, revokeApiKey } from "../../src/catalog/keys.js";
import { loadSettings } from "../../src/config.js";

type Json = { json?: boolean };

/** `shopmind keys create|list|revoke`: API keys from the command line (the first admin key). */
export function register(program: Command): void {
  const keys = program.command("keys").description("create, list and revoke API keys");
  keys
    .command("create")
    .description("create a key; the key is printed once and never stored")
    .requiredOption("--role <role>", "admin, steward or viewer")
    .requiredOption("--name <name>", "who or what the key is for")
    .option("--json", "print {id, key} as JSON")
    .action(async (opts: Json & { role: string; name: string }) => {
      const catalog = await openCatalog(loadSettings());
      try {
        const created = await createApiKey(catalog.prisma, {
          role: opts.role.toUpperCase(),
          name: opts.name,
        });
        await audit(catalog.prisma, {
          actor: null,
          action: "createApiKey",
          target: created.id,
          details: { role: created.role, name: created.name, via: "cli" },
        });
        if (opts.json) console.log(JSON.stringify({ id: created.id, key: created.key, role: created.role }));
        else console.log(`${created.role} key ${created.id}: ${created.key}`);
      } finally {
        await catalog.close();
      }
    });
  keys
    .command("list")
    .description("list keys (never the secrets)")
    .option("--json", "print JSON")
    .action(async (opts: Json) => {
      const catalog = await openCatalog(loadSettings());
      try {
        const rows = await catalog.prisma.apiKey.findMany({ orderBy: { createdAt: "asc" } });
        const out = rows.map((r) => ({
          id: r.id,
          name: r.name,
          role: r.role,
          prefix: r.prefix,
          revoked: r.revokedAt !== null,
        }));
        if (opts.json) console.log(JSON.stringify({ keys: out }));
        else
          for (const k of out)
            console.log(
              `${k.id}  ${k.role.padEnd(7)}  ${k.prefix}…  ${k.name}${k.revoked ? "  (revoked)" : ""}`,
            );
      } finally {
        await catalog.close();
      }
    });
  keys
    .command("revoke <id>")
    .description("revoke a key")
    .option("--json", "print JSON")
    .action(async (id: string, opts: Json) => {
      const catalog = await openCatalog(loadSettings());
      try {
        await revokeApiKey(catalog.prisma, id);
        await audit(catalog.prisma, {
          actor: null,
          action: "revokeApiKey",
          target: id,
          details: { via: "cli" },
        });
        console.log(opts.json ? JSON.stringify({ id, revoked: true }) : `revoked ${id}`);
      } finally {
        await catalog.close();
      }
    });
}
