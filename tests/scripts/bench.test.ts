import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PG_ADMIN_URL, ROOT } from "../support/env.js";

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, [path.join(ROOT, "scripts", "shopmind.mjs"), ...args], { maxBuffer: 1 << 22 });

// Tiny runs: the shapes docs/benchmarks.md relies on, and that every row is accounted for.
describe("shopmind bench", () => {
  it("ingest reports rows/s and peak memory per database, every row accepted or quarantined", {
    timeout: 120_000,
  }, async () => {
    const { stdout } = await cli(
      "bench",
      "ingest",
      "--events",
      "3000",
      "--items",
      "200",
      "--users",
      "50",
      "--pg-url",
      PG_ADMIN_URL,
      "--json",
    );
    const result = JSON.parse(stdout) as {
      events: number;
      databases: Record<
        string,
        { rows: number; accepted: number; quarantined: number; rows_per_s: number; peak_rss_mb: number }
      >;
    };
    expect(Object.keys(result.databases)).toEqual(["sqlite", "postgresql"]);
    for (const m of Object.values(result.databases)) {
      expect(m.rows).toBe(result.events);
      expect(m.accepted + m.quarantined).toBe(m.rows);
      expect(m.quarantined).toBeGreaterThan(0);
      expect(m.rows_per_s).toBeGreaterThan(0);
      expect(m.peak_rss_mb).toBeGreaterThan(0);
    }
  });

  it("serve reports rate and latency per operation with no errors", { timeout: 120_000 }, async () => {
    const { stdout } = await cli(
      "bench",
      "serve",
      "--database",
      "sqlite",
      "--seconds",
      "1",
      "--concurrency",
      "2",
      "--products",
      "50",
      "--json",
    );
    const ops = (
      JSON.parse(stdout) as {
        databases: {
          sqlite: {
            operations: Record<string, { rps: number; p50_ms: number; p99_ms: number; errors: number }>;
          };
        };
      }
    ).databases.sqlite.operations;
    expect(Object.keys(ops)).toEqual([
      "recordEvents_batch100",
      "products_first20",
      "user_events_with_products",
    ]);
    for (const op of Object.values(ops)) {
      expect(op.errors).toBe(0);
      expect(op.rps).toBeGreaterThan(0);
      expect(op.p99_ms).toBeGreaterThanOrEqual(op.p50_ms);
    }
  });
});
