import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshDatabase, PROVIDERS } from "../support/catalog.js";
import { ROOT } from "../support/env.js";
import { scratchDir, writeFile } from "./helpers.js";

const run = promisify(execFile);

async function shopmind(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(ROOT, "scripts", "shopmind.mjs"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.each(PROVIDERS)("shopmind ingest on %s", (provider) => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let env: Record<string, string>;
  let dir: string;
  beforeEach(async () => {
    db = await freshDatabase(provider);
    env = { DATABASE_URL: db.url, SHOPMIND_DATA_DIR: db.dataDir };
    dir = scratchDir();
  });
  afterEach(async () => {
    await db.drop();
  });

  it("prints {run, input_rows, accepted, quarantined} with --json", async () => {
    const products = writeFile(dir, "p.csv", "product_id,name,price\np1,Lamp,$12\np2,,3\n");
    const out = await shopmind(["ingest", "products", products, "--json"], env);
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary).toMatchObject({ input_rows: 2, accepted: 1, quarantined: 1 });
    expect(summary.run).toMatch(/^c[a-z0-9]+$/);
    expect(Object.keys(summary).slice(0, 4)).toEqual(["run", "input_rows", "accepted", "quarantined"]);

    const events = writeFile(dir, "e.tsv", "uid\tsku\taction\twhen\nu1\tp1\tview\t2026-01-01T10:00:00Z\n");
    const mapped = await shopmind(["ingest", "events", events, "--map", "when=timestamp", "--json"], env);
    expect(JSON.parse(mapped.stdout)).toMatchObject({ input_rows: 1, accepted: 1, quarantined: 0 });

    const plain = await shopmind(
      ["ingest", "queries", writeFile(dir, "j.csv", "q,item,rel\nlamp,p1,2\n")],
      env,
    );
    expect(plain.stdout).toMatch(
      /^ingested judgements from .*j\.csv \(csv\): 1 rows, 1 accepted, 0 quarantined/,
    );
  });

  it("exits 2 with the error named when the input is bad", async () => {
    const file = writeFile(dir, "e.csv", "user_id,item_id\nu1,p1\n");
    const out = await shopmind(["ingest", "events", file, "--json"], env);
    expect(out.code).toBe(2);
    expect(JSON.parse(out.stdout)).toEqual({
      error: {
        code: "BAD_USER_INPUT",
        field: "event_type",
        message: expect.stringMatching(/required column\(s\) event_type, timestamp not found/),
      },
    });
    const missing = await shopmind(["ingest", "events", path.join(dir, "nope.csv")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/shopmind: input file .*nope\.csv does not exist/);
    const badMap = await shopmind(["ingest", "events", file, "--map", "oops"], env);
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toMatch(/--map "oops": expected SRC=FIELD/);
  });
});
