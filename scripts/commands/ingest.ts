import type { Command } from "commander";
import { openCatalog } from "../../src/catalog/client.js";
import { loadSettings } from "../../src/config.js";
import { KIND_ALIASES, KINDS, type Kind } from "../../src/contracts/index.js";
import { SourceError } from "../../src/errors.js";
import { ingestFile, knownFormats } from "../../src/ingest/index.js";
import "../datasets/index.js";

type Options = { format?: string; map: string[]; encoding?: string; json?: boolean };

/** `--map SRC=FIELD` pairs as a source -> field record; SourceError names a malformed one. */
export function parseMapOptions(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.lastIndexOf("=");
    const src = at > 0 ? item.slice(0, at).trim() : "";
    const field = at > 0 ? item.slice(at + 1).trim() : "";
    if (!src || !field) throw new SourceError(`--map ${JSON.stringify(item)}: expected SRC=FIELD`, "map");
    if (src in out) throw new SourceError(`--map names column ${JSON.stringify(src)} twice`, "map");
    out[src] = field;
  }
  return out;
}

function kindOf(name: string): Kind {
  const kind = (KIND_ALIASES[name] ?? name) as Kind;
  if (!KINDS.includes(kind))
    throw new SourceError(`kind ${JSON.stringify(name)} is not one of ${KINDS.join(", ")}`, "kind");
  return kind;
}

function encodingOf(name: string | undefined): "utf8" | "latin1" | undefined {
  if (name === undefined) return undefined;
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (n === "utf8") return "utf8";
  if (["latin1", "iso88591", "l1", "cp1252", "windows1252"].includes(n)) return "latin1";
  throw new SourceError(`--encoding ${name}: expected utf-8 or latin-1`, "encoding");
}

/** `shopmind ingest KIND FILE`: one file into the catalog; rejected rows go to quarantine. */
export function register(program: Command): void {
  program
    .command("ingest")
    .description(
      "ingest a file of products, events or judgements into the catalog; rejected rows go to quarantine",
    )
    .argument("<kind>", `what the file holds: ${KINDS.join(", ")}`)
    .argument("<file>", "the file (gzip'd or not)")
    .option(
      "--format <name>",
      `file format (default: from the extension): ${knownFormats()
        .map((f) => f.name)
        .join(", ")}`,
    )
    .option(
      "--map <src=field>",
      "read source column SRC as canonical FIELD (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option("--encoding <name>", "text encoding: utf-8 (default) or latin-1")
    .option("--json", "print a JSON summary")
    .action(async (kindName: string, file: string, opts: Options) => {
      const kind = kindOf(kindName);
      const map = parseMapOptions(opts.map);
      const encoding = encodingOf(opts.encoding);
      const settings = loadSettings();
      const catalog = await openCatalog(settings);
      try {
        const report = await ingestFile(catalog, settings, {
          kind,
          file,
          map,
          ...(opts.format ? { format: opts.format } : {}),
          ...(encoding ? { encoding } : {}),
        });
        if (opts.json) {
          console.log(
            JSON.stringify({
              run: report.run,
              input_rows: report.inputRows,
              accepted: report.accepted,
              quarantined: report.quarantined,
              duplicates: report.duplicates,
              seconds: report.seconds,
            }),
          );
        } else {
          const dupes = Object.entries(report.duplicates)
            .filter(([, n]) => n > 0)
            .map(([rule, n]) => `${n} ${rule}`)
            .join(", ");
          console.log(
            `ingested ${report.kind} from ${report.source} (${report.format}): ${report.inputRows} rows, ` +
              `${report.accepted} accepted, ${report.quarantined} quarantined${dupes ? ` (${dupes})` : ""} ` +
              `in ${report.seconds} s; run ${report.run}`,
          );
        }
      } finally {
        await catalog.close();
      }
    });
}
