/** Where the test suite finds its services and keeps its scratch files. */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SCRATCH = path.join(ROOT, "test-artifacts");
/** An administrative connection to the PostgreSQL server the tests use. */
export const PG_ADMIN_URL = process.env.SHOPMIND_TEST_PG ?? "postgresql://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.SHOPMIND_TEST_REDIS ?? "redis://127.0.0.1:6379";
// Each test run has its own templates, so that runs side by side never rebuild each other's.
// The global setup picks the id; the workers it starts inherit it through the environment.
process.env.SHOPMIND_TEST_RUN_ID ??= `${process.pid}_${Date.now().toString(36)}`;
const RUN_ID = process.env.SHOPMIND_TEST_RUN_ID;
export const PG_TEMPLATE = `shopmind_tpl_${RUN_ID}`;
export const SQLITE_TEMPLATE = path.join(SCRATCH, `template-${RUN_ID}.db`);

/** The URL of another database on the same PostgreSQL server. */
export function pgDatabaseUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}
