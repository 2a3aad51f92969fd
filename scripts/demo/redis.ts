/**
 * A Redis for the demo: the configured one when it answers, otherwise a private redis-server
 * (Debian's package) on a free local port, with persistence off, stopped when the demo ends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { Redis } from "ioredis";
import { ConfigError } from "../../src/errors.js";

export type DemoRedis = {
  readonly url: string;
  /** True when this process started the server (and will stop it). */
  readonly started: boolean;
  stop(): Promise<void>;
};

export const INSTALL_HINT =
  "no Redis answers and redis-server is not installed: run `apt-get install redis-server` " +
  "(or `make demo`, which installs it), or point REDIS_URL at a running Redis";

/** True when a Redis at `url` answers PING within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Without a listener a refused connection is reported as an unhandled error event.
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export type EnsureOptions = {
  /** Folder for the private server's log (and its working directory). */
  dir: string;
  /** The server program, found on PATH unless a path is given. */
  binary?: string;
  /** Give up on a private server that does not answer within this long. */
  startTimeoutMs?: number;
};

/**
 * Returns a Redis that answers: `configuredUrl` when it does, else a private redis-server.
 * Throws ConfigError with the install command when neither is possible.
 */
export async function ensureRedis(configuredUrl: string, options: EnsureOptions): Promise<DemoRedis> {
  if (await redisAnswers(configuredUrl)) return { url: configuredUrl, started: false, stop: async () => {} };
  mkdirSync(options.dir, { recursive: true });
  const port = await freePort();
  const logFile = path.join(options.dir, "redis.log");
  const log = openSync(logFile, "w");
  const child = spawn(
    options.binary ?? "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", options.dir],
    { stdio: ["ignore", log, log] },
  );
  closeSync(log);
  const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once("spawn", () => resolve(undefined));
    child.once("error", resolve);
  });
  if (failed?.code === "ENOENT") throw new ConfigError(`${INSTALL_HINT} (tried ${configuredUrl})`);
  if (failed) throw new ConfigError(`cannot start redis-server: ${failed.message}`);
  // Should the demo die without its shutdown path, the server must not outlive it.
  const onExit = () => child.kill("SIGTERM");
  process.once("exit", onExit);
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await redisAnswers(url, 300))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      process.removeListener("exit", onExit);
      const tail = readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join("\n");
      throw new ConfigError(`redis-server did not start on port ${port}: ${tail || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    started: true,
    stop: async () => {
      process.removeListener("exit", onExit);
      await stopChild(child);
    },
  };
}
