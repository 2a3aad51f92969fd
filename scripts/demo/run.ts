/**
 * `shopmind demo` end to end: migrate the catalog, generate the synthetic shop, ingest its three
 * files, make sure a Redis answers, create an admin key, and (unless told not to) serve GraphQL
 * with the playground until interrupted.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Catalog, openCatalog } from "../../src/catalog/client.js";
import { createApiKey } from "../../src/catalog/keys.js";
import { migrate } from "../../src/catalog/migrations.js";
import type { Settings } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";
import { ingestFile } from "../../src/ingest/index.js";
import { startServer } from "../../src/server.js";
import { type DemoQuery, demoQueries } from "./queries.js";
import { type DemoRedis, ensureRedis } from "./redis.js";
import type { ShopOptionsInput } from "./synth/options.js";
import { generateShop, type Shop } from "./synth/shop.js";
import { FILE_KINDS, type FileKind, type Truth, writeShopFiles } from "./synth/write.js";

/** One file's ingest as the summary reports it (snake_case, like every CLI JSON). */
export type IngestSummary = {
  run: string;
  input_rows: number;
  accepted: number;
  quarantined: number;
  /** Rows quarantined per duplicate rule (a part of `quarantined`). */
  duplicates: Record<string, number>;
  /** Rows quarantined per failed check (`required`, `range`, `reference`, `broken_encoding` ...). */
  by_check: Record<string, number>;
  seconds: number;
  /** True when this database had already ingested these exact files, so the run was kept. */
  reused: boolean;
};

export type DemoSummary = {
  database: string;
  data_dir: string;
  shop: Pick<Truth, "seed" | "products" | "users" | "queries" | "events" | "languages">;
  files: Record<FileKind, { path: string; rows: number; planted: number; defects: Record<string, number> }>;
  ingest: Record<FileKind, IngestSummary>;
  /** Per file: rows planted bad, and how many of them ingest quarantined at their row number. */
  quarantined_planted: Record<FileKind, { planted: number; caught: number }>;
  redis: { url: string; started: boolean };
  admin_key: string;
  admin_key_id: string;
  graphql: string | null;
  queries: DemoQuery[];
  seconds: number;
};

export type DemoOptions = {
  shop: ShopOptionsInput;
  serve: boolean;
  /** Told each step as it finishes (human output); the JSON summary is the caller's to print. */
  progress?: (line: string) => void;
  /** Called once serving, with the summary; the demo then waits for SIGINT or SIGTERM. */
  onServing?: (summary: DemoSummary) => void;
};

/** A URL safe to print: a password in it is masked. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

function fingerprint(files: Record<FileKind, string>): string {
  const h = createHash("sha256");
  for (const kind of FILE_KINDS) h.update(readFileSync(files[kind]));
  return h.digest("hex");
}

type Marker = { database: string; digest: string; runs: Record<FileKind, string> };

/**
 * The runs of an earlier demo that ingested these very files into this database, if their
 * record is still in the catalog; a second `make demo` then keeps them instead of doubling the
 * events.
 */
async function earlierRuns(
  catalog: Catalog,
  markerFile: string,
  database: string,
  digest: string,
): Promise<Record<FileKind, IngestSummary> | undefined> {
  if (!existsSync(markerFile)) return undefined;
  let marker: Marker;
  try {
    marker = JSON.parse(readFileSync(markerFile, "utf8")) as Marker;
  } catch {
    return undefined;
  }
  if (marker.database !== database || marker.digest !== digest) return undefined;
  const rows = await catalog.prisma.ingestRun.findMany({ where: { id: { in: Object.values(marker.runs) } } });
  const out: Partial<Record<FileKind, IngestSummary>> = {};
  for (const kind of FILE_KINDS) {
    const run = rows.find((r) => r.id === marker.runs[kind]);
    if (run?.status !== "COMPLETED") return undefined;
    const seconds = run.finishedAt ? (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 : 0;
    out[kind] = summariseRun(run, seconds, true);
  }
  return out as Record<FileKind, IngestSummary>;
}

type RunRow = { id: string; inputRows: number; accepted: number; quarantined: number; stats: unknown };

const counts = (value: unknown): Record<string, number> =>
  value && typeof value === "object"
    ? Object.fromEntries(Object.entries(value).filter((e): e is [string, number] => typeof e[1] === "number"))
    : {};

function summariseRun(run: RunRow, seconds: number, reused: boolean): IngestSummary {
  const stats = (run.stats ?? {}) as { duplicates?: unknown; byCheck?: unknown };
  return {
    run: run.id,
    input_rows: run.inputRows,
    accepted: run.accepted,
    quarantined: run.quarantined,
    duplicates: counts(stats.duplicates),
    by_check: counts(stats.byCheck),
    seconds: Math.round(seconds * 1000) / 1000,
    reused,
  };
}

async function caughtPlanted(
  catalog: Catalog,
  runId: string,
  planted: Record<string, number[]>,
): Promise<number> {
  const rows = await catalog.prisma.quarantineRow.findMany({ where: { runId }, select: { rowNumber: true } });
  const quarantined = new Set(rows.map((r) => r.rowNumber));
  return Object.values(planted)
    .flat()
    .filter((n) => quarantined.has(n)).length;
}

async function ingestShop(
  catalog: Catalog,
  settings: Settings,
  files: Record<FileKind, string>,
  dir: string,
  progress: (line: string) => void,
): Promise<Record<FileKind, IngestSummary>> {
  const markerFile = path.join(dir, "ingested.json");
  const digest = fingerprint(files);
  const earlier = await earlierRuns(catalog, markerFile, settings.databaseUrl, digest);
  if (earlier) {
    progress("this database already holds these files: keeping the earlier ingest runs");
    return earlier;
  }
  const out: Partial<Record<FileKind, IngestSummary>> = {};
  // Products first: events and judgements are checked against the catalog they name.
  for (const kind of FILE_KINDS) {
    const done = await ingestFile(catalog, settings, { kind, file: files[kind] });
    const row = await catalog.prisma.ingestRun.findUniqueOrThrow({ where: { id: done.run } });
    const report = summariseRun(row, done.seconds, false);
    out[kind] = report;
    progress(
      `ingested ${kind}: ${report.input_rows} rows, ${report.accepted} accepted, ` +
        `${report.quarantined} quarantined (${report.seconds} s)`,
    );
  }
  const runs = Object.fromEntries(FILE_KINDS.map((k) => [k, out[k]!.run])) as Record<FileKind, string>;
  const marker: Marker = { database: settings.databaseUrl, digest, runs };
  writeFileSync(markerFile, `${JSON.stringify(marker, null, 2)}\n`);
  return out as Record<FileKind, IngestSummary>;
}

/**
 * Opens the catalog, applying the migrations first when it lacks any. A catalog already up to
 * date is left alone: `prisma migrate deploy` wants the SQLite file to itself, and a second demo
 * may run while a server still has it open.
 */
async function openMigrated(settings: Settings): Promise<{ catalog: Catalog; migrated: boolean }> {
  try {
    return { catalog: await openCatalog(settings), migrated: false };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  await migrate(settings.databaseUrl);
  return { catalog: await openCatalog(settings), migrated: true };
}

/**
 * Catches SIGINT and SIGTERM until released. `received` resolves on the first one; later ones
 * (a second Ctrl+C, or a library that re-raises the signal once it has cleaned up after itself)
 * are swallowed, so that the demo always gets to stop its own Redis before the process ends.
 */
function catchSignals(): { received: Promise<string>; release(): void } {
  let resolve: (signal: string) => void = () => {};
  const received = new Promise<string>((r) => {
    resolve = r;
  });
  const on = (signal: string) => resolve(signal);
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    received,
    release: () => {
      process.removeListener("SIGINT", on);
      process.removeListener("SIGTERM", on);
    },
  };
}

/**
 * Runs the demo with `settings` (its data dir holds the shop under `demo/`). Returns the summary
 * once done: at once with `serve: false`, after an interrupt otherwise.
 */
export async function runDemo(settings: Settings, options: DemoOptions): Promise<DemoSummary> {
  const started = performance.now();
  const progress = options.progress ?? (() => {});
  // The options are checked here, before anything touches the catalog.
  const dir = path.join(settings.dataDir, "demo");
  const shop: Shop = generateShop(options.shop);
  const { files, truth } = writeShopFiles(shop, dir);
  progress(
    `generated ${truth.products} products (${truth.languages.zh ?? 0} in Chinese), ${truth.users} users, ` +
      `${truth.events} events, ${truth.queries} queries in ${dir}`,
  );

  const { catalog, migrated } = await openMigrated(settings);
  progress(
    `catalog ${migrated ? "migrated" : "already up to date"} (${catalog.target.provider}: ${redactUrl(settings.databaseUrl)})`,
  );

  let redis: DemoRedis | undefined;
  let signals: ReturnType<typeof catchSignals> | undefined;
  try {
    const ingest = await ingestShop(catalog, settings, files, dir, progress);
    const quarantinedPlanted = {} as DemoSummary["quarantined_planted"];
    for (const kind of FILE_KINDS) {
      const planted = truth.files[kind];
      quarantinedPlanted[kind] = {
        planted: planted.planted,
        caught: await caughtPlanted(catalog, ingest[kind].run, planted.planted_rows),
      };
    }
    redis = await ensureRedis(settings.redisUrl, { dir: path.join(dir, "redis") });
    progress(
      redis.started ? `started a private redis-server at ${redis.url}` : `Redis answers at ${redis.url}`,
    );
    const key = await createApiKey(catalog.prisma, { role: "ADMIN", name: "demo-admin" });
    const summary: DemoSummary = {
      database: redactUrl(settings.databaseUrl),
      data_dir: settings.dataDir,
      shop: {
        seed: truth.seed,
        products: truth.products,
        users: truth.users,
        queries: truth.queries,
        events: truth.events,
        languages: truth.languages,
      },
      files: Object.fromEntries(
        FILE_KINDS.map((k) => [
          k,
          {
            path: files[k],
            rows: truth.files[k].rows,
            planted: truth.files[k].planted,
            defects: truth.files[k].defects,
          },
        ]),
      ) as DemoSummary["files"],
      ingest,
      quarantined_planted: quarantinedPlanted,
      redis: { url: redactUrl(redis.url), started: redis.started },
      admin_key: key.key,
      admin_key_id: key.id,
      graphql: null,
      queries: demoQueries(shop),
      seconds: 0,
    };
    if (!options.serve) {
      summary.seconds = Math.round(performance.now() - started) / 1000;
      return summary;
    }
    signals = catchSignals();
    const server = await startServer({ ...settings, redisUrl: redis.url }, { catalog });
    try {
      summary.graphql = `${server.url.replace(/\/$/, "")}/graphql`;
      summary.seconds = Math.round(performance.now() - started) / 1000;
      options.onServing?.(summary);
      progress(`${await signals.received}: shutting down`);
    } finally {
      await server.close();
    }
    return summary;
  } finally {
    await catalog.close();
    await redis?.stop();
    signals?.release();
  }
}
