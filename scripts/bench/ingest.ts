/**
 * `shopmind bench ingest`: a seeded synthetic events file (and its products) ingested with full
 * validation into a fresh catalog per database, each in a process of its own so that its peak
 * memory is its own. Rows/s count every input row of the events file.
 */
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { openCatalog } from "../../src/catalog/client.js";
import { migrate } from "../../src/catalog/migrations.js";
import { loadSettings } from "../../src/config.js";
import { ingestFile } from "../../src/ingest/index.js";
import { writeEvents, writeProducts } from "./synth.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export type IngestBenchOptions = {
  events: number;
  items: number;
  users: number;
  seed: number;
  databases: Array<"sqlite" | "postgresql">;
  pgUrl: string;
  workDir?: string;
};

export type IngestMeasurement = {
  rows: number;
  accepted: number;
  quarantined: number;
  seconds: number;
  rows_per_s: number;
  peak_rss_mb: number;
  products_seconds: number;
};

async function pgAdmin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** One database, in this process: migrate, ingest products, time the events ingest. */
export async function measureOne(
  databaseUrl: string,
  dataDir: string,
  files: { products: string; events: string },
): Promise<IngestMeasurement> {
  await migrate(databaseUrl);
  const settings = loadSettings({ databaseUrl, dataDir, logLevel: "error" }, {});
  const catalog = await openCatalog(settings);
  try {
    const t0 = performance.now();
    await ingestFile(catalog, settings, { kind: "products", file: files.products });
    const t1 = performance.now();
    const report = await ingestFile(catalog, settings, { kind: "events", file: files.events });
    const seconds = (performance.now() - t1) / 1000;
    return {
      rows: report.inputRows,
      accepted: report.accepted,
      quarantined: report.quarantined,
      seconds: Math.round(seconds * 100) / 100,
      rows_per_s: Math.round(report.inputRows / seconds),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      products_seconds: Math.round(((t1 - t0) / 1000) * 100) / 100,
    };
  } finally {
    await catalog.close();
  }
}

/** Generates the files once, then measures each database in a child process. */
export async function benchIngest(o: IngestBenchOptions): Promise<Record<string, unknown>> {
  const work = o.workDir ?? path.join(os.tmpdir(), `shopmind-bench-ingest-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const files = { products: path.join(work, "products.csv"), events: path.join(work, "events.csv") };
  const synth = {
    seed: o.seed,
    events: o.events,
    items: o.items,
    users: o.users,
    format: "csv" as const,
    gzip: false,
    malformed: 0.001,
  };
  await writeProducts(files.products, synth);
  const written = await writeEvents(files.events, synth);
  const fileMb = Math.round(statSync(files.events).size / 1e5) / 10;
  const results: Record<string, IngestMeasurement> = {};
  try {
    for (const db of o.databases) {
      const dataDir = path.join(work, db);
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true });
      let url = `file:${path.join(dataDir, "shopmind.db")}`;
      const name = `shopmind_bench_ingest_${process.pid}`;
      if (db === "postgresql") {
        await pgAdmin(o.pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await pgAdmin(o.pgUrl, `CREATE DATABASE ${name}`);
        const u = new URL(o.pgUrl);
        u.pathname = `/${name}`;
        url = u.toString();
      }
      try {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [
            path.join(ROOT, "scripts", "shopmind.mjs"),
            "bench",
            "ingest-one",
            "--database-url",
            url,
            "--data-dir",
            dataDir,
            "--products",
            files.products,
            "--events",
            files.events,
          ],
          { maxBuffer: 1 << 20 },
        );
        results[db] = JSON.parse(stdout.trim().split("\n").at(-1)!) as IngestMeasurement;
      } finally {
        if (db === "postgresql") await pgAdmin(o.pgUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    }
  } finally {
    if (!o.workDir) rmSync(work, { recursive: true, force: true });
  }
  return {
    events: written.rows,
    planted_bad_rows: written.planted,
    file_mb: fileMb,
    databases: results,
  };
}
