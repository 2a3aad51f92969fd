import type { Command } from "commander";
import { InputError } from "../../src/errors.js";

type Common = { out?: string; json?: boolean };

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new InputError(name, `expected a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function databases(v: string): Array<"sqlite" | "postgresql"> {
  if (v === "both") return ["sqlite", "postgresql"];
  if (v === "sqlite" || v === "postgresql") return [v];
  throw new InputError("database", "expected sqlite, postgresql or both");
}

const PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres";

async function emit(result: unknown, opts: Common): Promise<void> {
  if (opts.out) {
    const { writeResult } = await import("../bench/serve.js");
    writeResult(opts.out, result);
  }
  console.log(JSON.stringify(result, null, opts.json ? undefined : 2));
}

/** `shopmind bench ingest|serve`: measured figures of the served code paths, as JSON. */
export function register(program: Command): void {
  const bench = program.command("bench").description("benchmarks of the served code paths (JSON results)");
  bench
    .command("ingest")
    .description(
      "ingest a synthetic events file with validation into fresh SQLite and/or PostgreSQL catalogs",
    )
    .option("--events <n>", "event rows", "1000000")
    .option("--items <n>", "products", "100000")
    .option("--users <n>", "users", "100000")
    .option("--seed <n>", "seed", "7")
    .option("--database <db>", "sqlite, postgresql or both", "both")
    .option("--pg-url <url>", "PostgreSQL server to create the benchmark database on", PG_DEFAULT)
    .option("--out <file>", "write the JSON result here")
    .option("--json", "one-line JSON")
    .action(async (opts: Common & Record<string, string>) => {
      const { benchIngest } = await import("../bench/ingest.js");
      const result = await benchIngest({
        events: positive("events", opts.events!),
        items: positive("items", opts.items!),
        users: positive("users", opts.users!),
        seed: positive("seed", opts.seed!),
        databases: databases(opts.database!),
        pgUrl: opts.pgUrl!,
      });
      await emit(
        { date: new Date().toISOString(), cpus: (await import("node:os")).cpus().length, ...result },
        opts,
      );
    });
  bench
    .command("ingest-one", { hidden: true })
    .requiredOption("--database-url <url>")
    .requiredOption("--data-dir <dir>")
    .requiredOption("--products <file>")
    .requiredOption("--events <file>")
    .action(async (opts: Record<string, string>) => {
      const { measureOne } = await import("../bench/ingest.js");
      const m = await measureOne(opts.databaseUrl!, opts.dataDir!, {
        products: opts.products!,
        events: opts.events!,
      });
      console.log(JSON.stringify(m));
    });
  bench
    .command("serve")
    .description(
      "the GraphQL server in its own process, driven over HTTP: recordEvents batches and storefront reads",
    )
    .option("--database <db>", "sqlite, postgresql or both", "both")
    .option("--pg-url <url>", "PostgreSQL server to create the benchmark database on", PG_DEFAULT)
    .option("--seconds <n>", "seconds per operation", "10")
    .option("--concurrency <n>", "clients sending at once", "8")
    .option("--batch <n>", "events per recordEvents call", "100")
    .option("--products <n>", "products in the catalog", "10000")
    .option("--out <file>", "write the JSON result here")
    .option("--json", "one-line JSON")
    .action(async (opts: Common & Record<string, string>) => {
      const { benchServe } = await import("../bench/serve.js");
      const runs: Record<string, unknown> = {};
      for (const database of databases(opts.database!)) {
        runs[database] = await benchServe({
          database,
          pgUrl: opts.pgUrl!,
          seconds: positive("seconds", opts.seconds!),
          concurrency: positive("concurrency", opts.concurrency!),
          batch: positive("batch", opts.batch!),
          products: positive("products", opts.products!),
        });
      }
      await emit(
        { date: new Date().toISOString(), cpus: (await import("node:os")).cpus().length, databases: runs },
        opts,
      );
    });
}
