import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, redisAnswers } from "../../scripts/demo/redis.js";
import type { DemoSummary } from "../../scripts/demo/run.js";
import { FILE_KINDS } from "../../scripts/demo/synth/write.js";
import { type Catalog, openCatalog } from "../../src/catalog/client.js";
import { verifyApiKey } from "../../src/catalog/keys.js";
import { loadSettings } from "../../src/config.js";
import { startServer } from "../../src/server.js";
import { freshDatabase } from "../support/catalog.js";
import { REDIS_URL, ROOT, SCRATCH } from "../support/env.js";

const TINY = ["--products", "60", "--users", "20", "--events", "1500", "--seed", "5"];
const dataDir = path.join(SCRATCH, `demo-${randomBytes(4).toString("hex")}`);
const databaseUrl = `file:${path.join(dataDir, "shopmind.db")}`;

/** `shopmind demo --no-serve --json` in a child process on a scratch catalog. */
async function demo(redisUrl: string, url = databaseUrl, dir = dataDir): Promise<DemoSummary> {
  const run = promisify(execFile)(
    path.join(ROOT, "scripts", "shopmind.mjs"),
    ["demo", "--no-serve", "--json", ...TINY],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, SHOPMIND_DATA_DIR: dir, REDIS_URL: redisUrl },
      timeout: 120_000,
    },
  );
  const { stdout } = await run.catch((err: Error & { stderr?: string; stdout?: string }) => {
    throw new Error(`${err.message}\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  });
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as DemoSummary;
}

describe("shopmind demo --no-serve --json", () => {
  let first: DemoSummary;
  let nobody: string;
  let catalog: Catalog;

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    // No Redis answers here, so the demo must start (and stop) a private one.
    nobody = `redis://127.0.0.1:${await freePort()}`;
    first = await demo(nobody);
    catalog = await openCatalog({ databaseUrl, dataDir });
  }, 180_000);

  afterAll(async () => {
    await catalog?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reconciles every file: input rows = accepted + quarantined, and every planted row is quarantined", () => {
    for (const kind of FILE_KINDS) {
      const run = first.ingest[kind];
      expect(run.input_rows, kind).toBe(first.files[kind].rows);
      expect(run.accepted + run.quarantined, kind).toBe(run.input_rows);
      expect(run.quarantined, kind).toBeGreaterThanOrEqual(first.files[kind].planted);
      expect(first.quarantined_planted[kind].planted, kind).toBeGreaterThan(0);
      expect(first.quarantined_planted[kind].caught, kind).toBe(first.quarantined_planted[kind].planted);
    }
    expect(first.ingest.products.accepted).toBe(60);
  });

  it("stores the shop in the catalog, Chinese titles included", async () => {
    expect(await catalog.prisma.product.count()).toBe(60);
    expect(await catalog.prisma.event.count()).toBe(first.ingest.events.accepted);
    const zh = await catalog.prisma.product.findMany({ where: { language: "zh" } });
    expect(zh.some((p) => /\p{Script=Han}/u.test(p.title))).toBe(true);
  });

  it("ran a private Redis and stopped it on exit", async () => {
    expect(first.redis.started).toBe(true);
    expect(first.redis.url).not.toBe(nobody);
    expect(await redisAnswers(first.redis.url, 300)).toBe(false);
  });

  it("creates a working admin key", async () => {
    const principal = await verifyApiKey(catalog.prisma, first.admin_key);
    expect(principal).toMatchObject({ role: "ADMIN", name: "demo-admin", keyId: first.admin_key_id });
  });

  it("answers the three queries it prints", async () => {
    const settings = loadSettings({ databaseUrl, dataDir, port: 0, logLevel: "silent" }, {});
    const server = await startServer(settings, { catalog });
    try {
      expect(first.queries).toHaveLength(3);
      for (const { title, query } of first.queries) {
        const res = await fetch(`${server.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${first.admin_key}` },
          body: JSON.stringify({ query }),
        });
        const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
        expect(body.errors, title).toBeUndefined();
        expect(JSON.stringify(body.data), title).toMatch(/"(id|kind)":/);
      }
    } finally {
      await server.close();
    }
  });

  it("runs again on the same catalog, keeping the earlier ingest instead of doubling it", async () => {
    const again = await demo(nobody);
    const events = await catalog.prisma.event.count();
    for (const kind of FILE_KINDS) {
      expect(again.ingest[kind].reused, kind).toBe(true);
      expect(again.ingest[kind].run, kind).toBe(first.ingest[kind].run);
    }
    expect(events).toBe(first.ingest.events.accepted);
    expect(again.admin_key).not.toBe(first.admin_key);
  }, 180_000);

  it("serves until SIGTERM, then stops its private Redis and exits 0", async () => {
    const child = spawn(
      path.join(ROOT, "scripts", "shopmind.mjs"),
      ["demo", "--json", "--port", "0", ...TINY],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl, SHOPMIND_DATA_DIR: dataDir, REDIS_URL: nobody },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let out = "";
    const serving = await new Promise<DemoSummary>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!) as DemoSummary);
      });
      void exited.then((code) => reject(new Error(`demo exited (${code}) before serving: ${out}`)));
    });
    try {
      expect(serving.redis.started).toBe(true);
      const health = await fetch(serving.graphql!.replace(/\/graphql$/, "/healthz"));
      expect(health.status).toBe(200);
      expect(await redisAnswers(serving.redis.url)).toBe(true);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(await redisAnswers(serving.redis.url, 300)).toBe(false);
  }, 180_000);

  it("refuses a bad size naming the option, before touching any catalog", async () => {
    const elsewhere = path.join(dataDir, "refused");
    const run = promisify(execFile)(
      path.join(ROOT, "scripts", "shopmind.mjs"),
      ["demo", "--no-serve", "--json", "--products", "5"],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: "", SHOPMIND_DATA_DIR: elsewhere },
        timeout: 120_000,
      },
    );
    const failure = (await run.then(
      () => null,
      (err: unknown) => err,
    )) as { code?: number; stdout?: string } | null;
    expect(failure?.code).toBe(2);
    const body = JSON.parse(failure!.stdout!) as { error: { code: string; field: string } };
    expect(body.error).toMatchObject({ code: "BAD_USER_INPUT", field: "products" });
    expect(existsSync(elsewhere)).toBe(false);
  }, 180_000);
});

describe("shopmind demo on postgresql", () => {
  it("ingests the shop with every planted row quarantined", async () => {
    const db = await freshDatabase("postgresql");
    try {
      const summary = await demo(REDIS_URL, db.url, db.dataDir);
      expect(summary.redis.started).toBe(false);
      for (const kind of FILE_KINDS) {
        const run = summary.ingest[kind];
        expect(run.accepted + run.quarantined, kind).toBe(run.input_rows);
        expect(summary.quarantined_planted[kind].caught, kind).toBe(summary.files[kind].planted);
      }
      expect(summary.ingest.products.accepted).toBe(60);
    } finally {
      await db.drop();
    }
  }, 180_000);
});
