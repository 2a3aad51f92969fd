import type { Command } from "commander";
import { QUEUES, type QueueName, TS_QUEUES } from "../../jobs/queues.js";
import { startWorkers } from "../../jobs/worker.js";
import { loadSettings } from "../../src/config.js";
import { InputError } from "../../src/errors.js";

function parseQueues(value: string): QueueName[] {
  const names = value
    .split(",")
    .map((q) => q.trim())
    .filter(Boolean);
  for (const name of names)
    if (!(TS_QUEUES as readonly string[]).includes(name))
      throw new InputError(
        "queues",
        `${JSON.stringify(name)} is not a TypeScript queue (${TS_QUEUES.join(", ")}; ${QUEUES.train} runs with --trainers)`,
      );
  if (names.length === 0) throw new InputError("queues", "name at least one queue");
  return names as QueueName[];
}

/** `shopmind worker`: the TypeScript workers, and with --trainers the Python trainer worker too. */
export function register(program: Command): void {
  program
    .command("worker")
    .description(
      "run the TypeScript queue workers (ingest, register); --trainers also runs the Python trainers",
    )
    .option("--queues <names>", `comma-separated queues to work (default ${TS_QUEUES.join(",")})`)
    .option("--trainers", "also start the Python trainer worker (the train queue), restarted if it dies")
    .option(
      "--python <path>",
      "the Python with shopmind-trainers installed (default: the repository's .venv)",
    )
    .option("--concurrency <n>", "jobs at once per queue", "1")
    .option("--json", "print {queues, trainers} as JSON once listening, and log lines as JSON")
    .action(
      async (opts: {
        queues?: string;
        trainers?: boolean;
        python?: string;
        concurrency: string;
        json?: boolean;
      }) => {
        const settings = loadSettings();
        const queues = opts.queues ? parseQueues(opts.queues) : [...TS_QUEUES];
        const concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1)
          throw new InputError("concurrency", "must be a whole number >= 1");
        const log = opts.json
          ? (line: string) => console.error(JSON.stringify({ at: new Date().toISOString(), log: line }))
          : (line: string) => console.error(line);
        const running = await startWorkers(settings, {
          queues,
          concurrency,
          log,
          ...(opts.trainers ? { trainers: opts.python ? { python: opts.python } : true } : {}),
        });
        const summary = { queues, trainers: Boolean(opts.trainers), prefix: settings.queuePrefix };
        if (opts.json) console.log(JSON.stringify(summary));
        else
          console.log(
            `shopmind worker on ${queues.join(", ")}${opts.trainers ? " + Python trainers" : ""} (prefix ${settings.queuePrefix})`,
          );
        let closing = false;
        const stop = async () => {
          if (closing) return;
          closing = true;
          log("closing: letting running jobs finish");
          await running.close();
          process.exit(0);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      },
    );
}
