import { existsSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_PYTHON,
  startTrainerProcess,
  type TrainerProcess,
  trainerCommand,
} from "../../jobs/trainer-process.js";
import { REDIS_URL, SCRATCH } from "../support/env.js";
import { dropQueues, testQueueSettings } from "../support/queues.js";

const settings = {
  ...testQueueSettings(),
  databaseUrl: "file:relative/shop.db",
  dataDir: `${SCRATCH}/trainer-process`,
};

describe("the Python trainer worker process", () => {
  let proc: TrainerProcess | undefined;
  afterEach(async () => {
    await proc?.stop();
  });
  afterAll(() => dropQueues(settings));

  it("gets the shop's Redis, prefix, catalog (absolute) and artifact folder", () => {
    const { command, args } = trainerCommand(settings, "/usr/bin/python3");
    expect(command).toBe("/usr/bin/python3");
    expect(args.slice(0, 2)).toEqual(["-m", "shopmind.worker"]);
    const opt = (name: string) => args[args.indexOf(name) + 1];
    expect(opt("--redis")).toBe(REDIS_URL);
    expect(opt("--prefix")).toBe(settings.queuePrefix);
    expect(opt("--database-url")).toBe(`file:${process.cwd()}/relative/shop.db`);
    expect(opt("--artifacts")).toBe(`${SCRATCH}/trainer-process/artifacts`);
  });

  it.skipIf(!existsSync(DEFAULT_PYTHON))("is restarted when it dies, and stops on request", async () => {
    const lines: string[] = [];
    proc = startTrainerProcess(settings, {
      log: (l) => lines.push(l),
      maxBackoffMs: 200,
      stopTimeoutMs: 10_000,
    });
    await proc.ready();
    const first = proc.pid()!;
    process.kill(first, "SIGKILL");
    while (proc.starts() < 2) await new Promise((r) => setTimeout(r, 50));
    await proc.ready();
    expect(proc.pid()).not.toBe(first);
    await proc.stop();
    expect(proc.pid()).toBeUndefined();
    expect(lines.some((l) => l.includes("SIGKILL"))).toBe(true);
    expect(lines.some((l) => l.includes('"ready": true'))).toBe(true);
  });
});
