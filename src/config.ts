/**
 * One Settings object, validated at start-up and passed explicitly to whatever needs it.
 * Sources, strongest first: the environment, a JSON settings file (SHOPMIND_SETTINGS), defaults.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors.js";

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const SettingsSchema = z.object({
  dataDir: z.string().min(1).default("shopmind-data"),
  /** `file:PATH` (SQLite) or `postgresql://...`; empty means `file:<dataDir>/shopmind.db`. */
  databaseUrl: z.string().default(""),
  redisUrl: z.string().default("redis://127.0.0.1:6379"),
  /** Prefix of every BullMQ key, so several shops can share one Redis. */
  queuePrefix: z.string().min(1).default("shopmind"),
  host: z.string().default("127.0.0.1"),
  port: intFrom(0, 65535).default(4000),
  /** Largest accepted request body, bytes. */
  bodyLimitBytes: intFrom(1024, 64 * 1024 * 1024).default(1024 * 1024),
  /** Deepest selection a query may nest. */
  maxQueryDepth: intFrom(2, 50).default(10),
  /** Largest estimated cost (fields times the list sizes asked for). */
  maxQueryCost: intFrom(10, 1_000_000).default(20_000),
  /** Largest `first` any connection or list accepts. */
  maxPageSize: intFrom(1, 10_000).default(500),
  /** Largest batch of events or products one mutation accepts. */
  maxBatch: intFrom(1, 100_000).default(1000),
  /** Rows per batch an ingest reads, checks and writes at a time. */
  ingestChunkRows: intFrom(100, 1_000_000).default(20_000),
  /** Longest line or record an ingest accepts, bytes; longer ones are quarantined. */
  ingestMaxLineBytes: intFrom(1024, 256 * 1024 * 1024).default(1024 * 1024),
  /** How far past the ingest's start a timestamp may lie, seconds. */
  ingestMaxFutureSeconds: intFrom(0, 10 * 365 * 86_400).default(86_400),
  /** Timestamps before 1 January of this year are rejected. */
  ingestMinYear: intFrom(1970, 2100).default(1990),
  /** Currency given to priced products that name none (ISO 4217). */
  defaultCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/, "expected a 3-letter ISO 4217 code")
    .default("USD"),
  ortExecutionProvider: z.enum(["cpu", "cuda"]).default("cpu"),
  ortIntraOpThreads: intFrom(0, 256).default(0),
  logLevel: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Settings = z.infer<typeof SettingsSchema>;

const ENV_KEYS: Record<keyof Settings, string> = {
  dataDir: "SHOPMIND_DATA_DIR",
  databaseUrl: "DATABASE_URL",
  redisUrl: "REDIS_URL",
  queuePrefix: "SHOPMIND_QUEUE_PREFIX",
  host: "SHOPMIND_HOST",
  port: "SHOPMIND_PORT",
  bodyLimitBytes: "SHOPMIND_BODY_LIMIT_BYTES",
  maxQueryDepth: "SHOPMIND_MAX_QUERY_DEPTH",
  maxQueryCost: "SHOPMIND_MAX_QUERY_COST",
  maxPageSize: "SHOPMIND_MAX_PAGE_SIZE",
  maxBatch: "SHOPMIND_MAX_BATCH",
  ingestChunkRows: "SHOPMIND_INGEST_CHUNK_ROWS",
  ingestMaxLineBytes: "SHOPMIND_INGEST_MAX_LINE_BYTES",
  ingestMaxFutureSeconds: "SHOPMIND_INGEST_MAX_FUTURE_SECONDS",
  ingestMinYear: "SHOPMIND_INGEST_MIN_YEAR",
  defaultCurrency: "SHOPMIND_DEFAULT_CURRENCY",
  ortExecutionProvider: "ORT_EXECUTION_PROVIDER",
  ortIntraOpThreads: "ORT_INTRA_OP_THREADS",
  logLevel: "SHOPMIND_LOG_LEVEL",
};

/** The environment variable that sets each setting (documented in docs/configuration.md). */
export const settingsEnvironment: Readonly<Record<keyof Settings, string>> = ENV_KEYS;

/**
 * Builds Settings from overrides, the environment and an optional settings file.
 * Throws ConfigError naming the setting and its source when a value is invalid.
 */
export function loadSettings(
  overrides: Partial<Record<keyof Settings, unknown>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  let fromFile: Record<string, unknown> = {};
  const file = env.SHOPMIND_SETTINGS;
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`SHOPMIND_SETTINGS: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, name] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== "") merged[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  const parsed = SettingsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? "settings") as keyof Settings;
    throw new ConfigError(`setting ${key} (${ENV_KEYS[key] ?? "file"}): ${issue.message}`);
  }
  const settings = parsed.data;
  if (!settings.databaseUrl) settings.databaseUrl = `file:${path.join(settings.dataDir, "shopmind.db")}`;
  return settings;
}
