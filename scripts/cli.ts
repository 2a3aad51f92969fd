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

const commandDir = path.join(here, "commands");
for (const file of readdirSync(commandDir).sort()) {
  if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
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
