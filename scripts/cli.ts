/**
 * The `shopmind` CLI. Each file in scripts/commands/ adds one command (or a group) through its
 * exported `register`; every command accepts `--json`.
 */
import "reflect-metadata";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Command } from "commander";
import { ShopmindError } from "../src/errors.js";

type CommandModule = { register(program: Command): void };

const here = path.dirname(fileURLToPath(import.meta.url));
const program = new Command("shopmind")
  .description("GraphQL data-asset catalog for e-commerce search and recommendations")
  .showHelpAfterError();

// Each command file is named after its command. Loading one pulls in everything it needs (the
// GraphQL schema, Prisma, BullMQ), so only the file of the command asked for is loaded; help and
// unknown commands load them all.
const commandDir = path.join(here, "commands");
const files = readdirSync(commandDir)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .sort();
const asked = process.argv.slice(2).find((a) => !a.startsWith("-"));
const chosen = asked && files.includes(`${asked}.ts`) ? [`${asked}.ts`] : files;
for (const file of chosen) {
  const mod = (await import(pathToFileURL(path.join(commandDir, file)).href)) as CommandModule;
  mod.register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const json = process.argv.includes("--json");
  if (err instanceof ShopmindError) {
    if (json)
      console.log(
        JSON.stringify({ error: { code: err.code, field: err.field ?? null, message: err.message } }),
      );
    else console.error(`shopmind: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
