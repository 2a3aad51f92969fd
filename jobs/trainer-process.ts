/**
 * The Python trainer worker as a child process of `shopmind worker --trainers`: started with the
 * shop's Redis, queue prefix, catalog and artifact folder, restarted (with a growing pause) when
 * it dies, and stopped with SIGTERM, which lets a running training finish before it exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { catalogTarget } from "../src/catalog/target.js";
import type { Settings } from "../src/config.js";

/** The repository's venv, where `make install-py` installs the trainers. */
export const DEFAULT_PYTHON = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  ".venv",
  "bin",
  "python",
);

export type TrainerProcessOptions = {
  /** The Python that has shopmind-trainers installed. */
  python?: string;
  /** Where each line the worker prints goes. */
  log?: (line: string) => void;
  /** Restart the worker when it exits on its own (default true). */
  restart?: boolean;
  /** Longest pause between restarts, ms. */
  maxBackoffMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL, ms (a training in flight may need long). */
  stopTimeoutMs?: number;
};

export type TrainerProcess = {
  /** Resolves once the current child says it is listening. */
  ready(): Promise<void>;
  /** The running child's pid, if one runs. */
  pid(): number | undefined;
  /** How many times the child was started. */
  starts(): number;
  stop(): Promise<void>;
};

/** The command line of the Python worker for these settings. */
export function trainerCommand(
  settings: Pick<Settings, "redisUrl" | "queuePrefix" | "databaseUrl" | "dataDir">,
  python = DEFAULT_PYTHON,
): { command: string; args: string[] } {
  const target = catalogTarget(settings.databaseUrl, path.join(settings.dataDir, "shopmind.db"));
  // An absolute catalog path, so the child reads the same file whatever its working folder.
  const databaseUrl = target.provider === "sqlite" ? `file:${target.file}` : target.url;
  return {
    command: python,
    args: [
      "-m",
      "shopmind.worker",
      "--redis",
      settings.redisUrl,
      "--prefix",
      settings.queuePrefix,
      "--database-url",
      databaseUrl,
      "--artifacts",
      path.resolve(settings.dataDir, "artifacts"),
    ],
  };
}

/** Starts the Python trainer worker and keeps it running until stop(). */
export function startTrainerProcess(
  settings: Pick<Settings, "redisUrl" | "queuePrefix" | "databaseUrl" | "dataDir">,
  options: TrainerProcessOptions = {},
): TrainerProcess {
  const { command, args } = trainerCommand(settings, options.python);
  const log = options.log ?? ((line: string) => process.stderr.write(`[trainers] ${line}\n`));
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let child: ChildProcess | undefined;
  let stopping = false;
  let started = 0;
  let failuresInARow = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => {};
  let readyPromise = new Promise<void>((r) => {
    markReady = r;
  });
  let exited: Promise<void> = Promise.resolve();

  const launch = () => {
    started++;
    const startedAt = Date.now();
    const proc = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    exited = new Promise<void>((resolve) => {
      proc.once("exit", (code, signal) => {
        child = undefined;
        log(`trainer worker exited (${signal ?? `code ${code}`})`);
        resolve();
        if (stopping || options.restart === false) return;
        // A worker that ran a while before dying gets restarted at once; one that keeps dying
        // at start (bad install, Redis gone) is retried ever more slowly.
        failuresInARow = Date.now() - startedAt > 60_000 ? 0 : failuresInARow + 1;
        const pause = Math.min(maxBackoff, 500 * 2 ** Math.max(0, failuresInARow - 1));
        readyPromise = new Promise<void>((r) => {
          markReady = r;
        });
        restartTimer = setTimeout(launch, pause);
      });
    });
    proc.once("error", (err) => log(`cannot start ${command}: ${err.message}`));
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      if (line.includes('"ready": true')) markReady();
      log(line);
    });
    createInterface({ input: proc.stderr! }).on("line", log);
  };
  launch();

  return {
    ready: () => readyPromise,
    pid: () => child?.pid,
    starts: () => started,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const proc = child;
      if (!proc) return;
      proc.kill("SIGTERM");
      const timeout = options.stopTimeoutMs ?? 60_000;
      const killer = setTimeout(() => proc.kill("SIGKILL"), timeout);
      await exited;
      clearTimeout(killer);
    },
  };
}
