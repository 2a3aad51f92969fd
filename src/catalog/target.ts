/**
 * Which database the catalog lives in, read from a DATABASE_URL, and the Prisma driver adapter
 * for it. Shared by the Prisma CLI (prisma.config.ts) and the running product.
 */
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

export type CatalogTarget =
  | { provider: "sqlite"; url: string; file: string }
  | { provider: "postgresql"; url: string };

/** Parses a DATABASE_URL (`file:PATH` or `postgres[ql]://...`); undefined means the default file. */
export function catalogTarget(
  url: string | undefined,
  defaultFile = "shopmind-data/shopmind.db",
): CatalogTarget {
  const raw = url?.trim() || `file:${defaultFile}`;
  if (/^postgres(ql)?:\/\//.test(raw)) return { provider: "postgresql", url: raw };
  if (raw.startsWith("file:")) {
    const file = raw.slice("file:".length);
    if (!file) throw new Error("DATABASE_URL: file: needs a path");
    return { provider: "sqlite", url: raw, file: file === ":memory:" ? file : path.resolve(file) };
  }
  throw new Error(
    `DATABASE_URL: expected file:PATH or postgresql://..., got ${JSON.stringify(raw.split(":")[0])}`,
  );
}

// PostgreSQL's `name` (19) and `char` (18) come back from catalog queries that `migrate deploy`
// runs; the adapter has no column type for them (prisma/orm#27403). They are text.
const TEXT_OID = 25;
const NAME_OIDS = new Set([18, 19]);

type QueryResultLike = { fields?: Array<{ dataTypeID: number }> };

function retypeNames(result: unknown): unknown {
  const fields = (result as QueryResultLike | undefined)?.fields;
  if (fields) for (const f of fields) if (NAME_OIDS.has(f.dataTypeID)) f.dataTypeID = TEXT_OID;
  return result;
}

function patchClient(client: pg.PoolClient): void {
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      const cb = last as (err: unknown, res: unknown) => void;
      args[args.length - 1] = (err: unknown, res: unknown) => cb(err, retypeNames(res));
      return original(...args);
    }
    const out = original(...args);
    return out instanceof Promise ? out.then(retypeNames) : out;
  };
}

/** A pg pool whose connections report `name`/`char` columns as text. */
export function makePgPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("connect", patchClient);
  // An idle connection the server closes (restart, DROP DATABASE, idle timeout) is discarded by
  // the pool and replaced on next use; without a listener Node would treat it as a crash.
  pool.on("error", () => {});
  return pool;
}

/** The Prisma driver adapter factory for a target. */
export function makeAdapter(target: CatalogTarget): PrismaBetterSQLite3 | PrismaPg {
  if (target.provider === "sqlite") return new PrismaBetterSQLite3({ url: target.file });
  // Prisma ends a pool handed to it only when told; otherwise `close()` leaves idle
  // connections that keep a finished command alive until they time out.
  return new PrismaPg(makePgPool(target.url), { disposeExternalPool: true });
}
