/**
 * `shopmind bench serve`: the GraphQL server as a separate process over a fresh catalog, driven
 * over HTTP by closed-loop clients. Operations: recordEvents in batches (events/s), and reads a
 * storefront makes (products page, a user's events with their products).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openCatalog } from "../../src/catalog/client.js";
import { createApiKey } from "../../src/catalog/keys.js";
import { migrate } from "../../src/catalog/migrations.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export type ServeBenchOptions = {
  database: "sqlite" | "postgresql";
  /** PostgreSQL server URL (a database is created on it) when database is postgresql. */
  pgUrl: string;
  seconds: number;
  concurrency: number;
  batch: number;
  products: number;
};

type OpResult = {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  events_per_s?: number;
  requests: number;
};

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function closedLoop(
  seconds: number,
  concurrency: number,
  send: (worker: number, i: number) => Promise<boolean>,
): Promise<OpResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        const ok = await send(w, i).catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    requests: latencies.length,
    rps: round(latencies.length / elapsed),
    p50_ms: round(quantile(latencies, 0.5)),
    p99_ms: round(quantile(latencies, 0.99)),
    errors,
  };
}

async function startServe(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "scripts", "shopmind.mjs"), "serve", "--port", "0", "--json"],
    {
      env: { ...env, SHOPMIND_LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (l) =>
      resolve((JSON.parse(l) as { url: string }).url),
    );
    child.once("exit", (c) => reject(new Error(`server exited with ${c}`)));
  });
  return { child, url };
}

/** Runs the serve benchmark on one database and returns `{operations: {...}}`. */
export async function benchServe(opts: ServeBenchOptions): Promise<Record<string, unknown>> {
  const scratch = path.join(os.tmpdir(), `shopmind-bench-serve-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  let databaseUrl = `file:${path.join(scratch, "shopmind.db")}`;
  let dropPg: (() => Promise<void>) | undefined;
  if (opts.database === "postgresql") {
    const pg = (await import("pg")).default;
    const name = `shopmind_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: opts.pgUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(opts.pgUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropPg = async () => {
      const c = new pg.Client({ connectionString: opts.pgUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  await migrate(databaseUrl);
  const catalog = await openCatalog({ databaseUrl, dataDir: scratch });
  const products = Array.from({ length: opts.products }, (_, i) => ({
    id: `p${i}`,
    title: `Product ${i}`,
    brand: `Brand ${i % 50}`,
    price: 1 + (i % 100),
    stock: i % 5,
    rowHash: String(i),
  }));
  for (let i = 0; i < products.length; i += 500)
    await catalog.prisma.product.createMany({ data: products.slice(i, i + 500) });
  const { key } = await createApiKey(catalog.prisma, { role: "VIEWER", name: "bench" });
  await catalog.close();

  const { child, url } = await startServe({
    ...process.env,
    DATABASE_URL: databaseUrl,
    SHOPMIND_DATA_DIR: scratch,
  });
  const post = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { errors?: unknown };
    return res.ok && !body.errors;
  };
  try {
    const operations: Record<string, OpResult> = {};
    const record = "mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }";
    const base = Date.UTC(2026, 0, 1);
    const rec = await closedLoop(opts.seconds, opts.concurrency, (w, i) =>
      post(record, {
        e: Array.from({ length: opts.batch }, (_, j) => ({
          userId: `u${(w * 7919 + i * 31 + j) % 5000}`,
          productId: `p${(i * opts.batch + j) % opts.products}`,
          type: j % 10 === 0 ? "click" : "view",
          timestamp: new Date(base + i * 1000 + j).toISOString(),
          idempotencyKey: `w${w}-${i}-${j}`,
        })),
      }),
    );
    operations[`recordEvents_batch${opts.batch}`] = {
      ...rec,
      events_per_s: Math.round(rec.rps * opts.batch),
    };
    operations.products_first20 = await closedLoop(opts.seconds, opts.concurrency, (_w, i) =>
      post(
        "query($f: ProductFilter) { products(first: 20, filter: $f) { edges { node { id title price } } } }",
        {
          f: { brand: `Brand ${i % 50}` },
        },
      ),
    );
    operations.user_events_with_products = await closedLoop(opts.seconds, opts.concurrency, (_w, i) =>
      post(
        "query($id: ID!) { user(id: $id) { events(first: 20) { edges { node { seq product { title brand } } } } } }",
        {
          id: `u${i % 5000}`,
        },
      ),
    );
    return { database: opts.database, concurrency: opts.concurrency, seconds: opts.seconds, operations };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await dropPg?.();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Writes a benchmark result as pretty JSON, creating the folder. */
export function writeResult(file: string, result: unknown): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}
