/**
 * The queues and what every job on them gets by default. Three queues, each with one kind of
 * worker: `ingest` (TypeScript, files into the catalog), `train` (the Python trainers) and
 * `register` (TypeScript, a trainer's result into the catalog). Every BullMQ key starts with
 * `Settings.queuePrefix`, so shops (and test runs) sharing one Redis never see each other's jobs.
 */
import type { ConnectionOptions, DefaultJobOptions, QueueOptions } from "bullmq";
import type { Settings } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

export const QUEUES = {
  /** Files to ingest; worked by `shopmind worker` (TypeScript). */
  ingest: "ingest",
  /** Training runs; worked by the Python trainers (`python -m shopmind.worker`). */
  train: "train",
  /** A finished training run to register as a feature version; worked by `shopmind worker`. */
  register: "register",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The queues a TypeScript worker process can serve. */
export const TS_QUEUES: readonly QueueName[] = [QUEUES.ingest, QUEUES.register];

/**
 * Per-queue job options. Training gets few attempts with a long backoff (a run costs minutes and
 * most failures are bugs or bad params); registration is cheap and idempotent, so it retries more
 * and sooner. Finished jobs are kept for a while for inspection, then trimmed: the catalog's Job
 * table is the lasting record.
 */
export const JOB_OPTIONS: Readonly<Record<QueueName, DefaultJobOptions>> = {
  ingest: {
    attempts: 3,
    backoff: { type: "exponential", delay: 2_000 },
    removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 },
    removeOnFail: { count: 5_000 },
  },
  train: {
    attempts: 3,
    backoff: { type: "exponential", delay: 10_000 },
    removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 },
    removeOnFail: { count: 5_000 },
  },
  register: {
    attempts: 5,
    backoff: { type: "exponential", delay: 1_000 },
    removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 },
    removeOnFail: { count: 5_000 },
  },
};

/**
 * BullMQ connection options from `Settings.redisUrl` (`redis://[user:password@]host:port[/db]`,
 * `rediss://` for TLS). BullMQ opens and closes its own connections from these.
 */
export function redisConnection(settings: Pick<Settings, "redisUrl">): ConnectionOptions {
  let url: URL;
  try {
    url = new URL(settings.redisUrl);
  } catch {
    throw new ConfigError(`setting redisUrl (REDIS_URL): not a URL: ${JSON.stringify(settings.redisUrl)}`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:")
    throw new ConfigError(
      `setting redisUrl (REDIS_URL): expected redis:// or rediss://, got ${url.protocol}`,
    );
  const db = url.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db))
    throw new ConfigError(`setting redisUrl (REDIS_URL): the path must be a database number, got /${db}`);
  return {
    host: url.hostname || "127.0.0.1",
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
}

/** Options for a Queue, Worker, QueueEvents or FlowProducer of this shop. */
export function queueOptions(settings: Pick<Settings, "redisUrl" | "queuePrefix">): QueueOptions {
  return { connection: redisConnection(settings), prefix: settings.queuePrefix };
}
