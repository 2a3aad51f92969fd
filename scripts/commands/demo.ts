import type { Command } from "commander";
import { z } from "zod";
import { loadSettings } from "../../src/config.js";
import { InputError } from "../../src/errors.js";
import type { DemoSummary } from "../demo/run.js";

const count = z.coerce.number().int();
const Options = z.object({
  serve: z.boolean(),
  json: z.boolean().optional(),
  products: count.optional(),
  users: count.optional(),
  events: count.optional(),
  seed: count.optional(),
  port: count.min(0).max(65535).optional(),
});

function parseOptions(raw: unknown): z.infer<typeof Options> {
  const parsed = Options.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`--${String(issue.path[0] ?? "option")}`, issue.message);
  }
  return parsed.data;
}

/** The text a person reads once the demo serves: where, with which key, and what to ask. */
function servingText(s: DemoSummary): string {
  const lines = [
    "",
    `GraphQL playground: ${s.graphql}`,
    `Admin API key (shown once): ${s.admin_key}`,
    "  the playground sends it as the header  Authorization: Bearer <key>",
    "",
    "Queries to paste:",
  ];
  s.queries.forEach((q, i) => {
    lines.push("", `# ${i + 1}. ${q.title}`, q.query);
  });
  lines.push("", "Ctrl+C stops the server.");
  return lines.join("\n");
}

/** `shopmind demo`: a synthetic bilingual shop end to end, then served. */
export function register(program: Command): void {
  program
    .command("demo")
    .description("generate a bilingual synthetic shop, ingest it, and serve it with the GraphQL playground")
    .option("--no-serve", "stop after ingesting and print the summary")
    .option("--json", "print a JSON summary")
    .option("--products <n>", "products in the shop (default 2000)")
    .option("--users <n>", "users in the shop (default 500)")
    .option("--events <n>", "events (default 60 per user)")
    .option("--seed <n>", "seed of the shop: one seed, the same files (default 0)")
    .option("--port <port>", "port to serve on (0 picks a free one)")
    .action(async (raw: unknown) => {
      const opts = parseOptions(raw);
      const settings = loadSettings(opts.port === undefined ? {} : { port: opts.port });
      // Loaded here so that the other commands start without the demo's imports.
      const { runDemo } = await import("../demo/run.js");
      const summary = await runDemo(settings, {
        shop: { products: opts.products, users: opts.users, events: opts.events, seed: opts.seed },
        serve: opts.serve,
        progress: opts.json ? undefined : (line) => console.log(`demo: ${line}`),
        onServing: (s) => console.log(opts.json ? JSON.stringify(s) : servingText(s)),
      });
      if (!opts.serve) {
        if (opts.json) console.log(JSON.stringify(summary));
        else
          console.log(
            `demo ready in ${summary.seconds} s. Admin API key (shown once): ${summary.admin_key}\n` +
              "Serve it with `shopmind serve`, or run `shopmind demo` without --no-serve.",
          );
      }
    });
}
