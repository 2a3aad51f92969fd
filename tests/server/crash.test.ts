import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { openCatalog } from "../../src/catalog/client.js";
import { createApiKey } from "../../src/catalog/keys.js";
import { freshDatabase, PROVIDERS } from "../support/catalog.js";
import { ROOT } from "../support/env.js";

function startServe(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "scripts", "shopmind.mjs"), "serve", "--port", "0", "--json"],
    {
      env: { ...process.env, ...env, SHOPMIND_LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve({ child, url: (JSON.parse(line) as { url: string }).url }));
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

// An acknowledged event is a committed one: kill the server without warning while clients send,
// and every event it acknowledged must be in the catalog afterwards.
describe.each(PROVIDERS)("acknowledged events survive SIGKILL on %s", (provider) => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill("SIGKILL");
  });

  it("finds every acknowledged event after the kill", { timeout: 90_000 }, async () => {
    const db = await freshDatabase(provider);
    const setup = await openCatalog({ databaseUrl: db.url, dataDir: db.dataDir });
    await setup.prisma.product.create({ data: { id: "p1", title: "Kettle", rowHash: "h" } });
    const { key } = await createApiKey(setup.prisma, { role: "VIEWER", name: "shop" });
    await setup.close();

    const started = await startServe({ DATABASE_URL: db.url, SHOPMIND_DATA_DIR: db.dataDir });
    child = started.child;
    const acknowledged: string[] = [];
    let stop = false;
    let batch = 0;
    const client = async (id: number) => {
      while (!stop) {
        const keys = Array.from({ length: 20 }, (_, i) => `c${id}-b${batch}-${i}`);
        batch++;
        try {
          const res = await fetch(`${started.url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
            body: JSON.stringify({
              query: "mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }",
              variables: {
                e: keys.map((k) => ({ userId: `u${id}`, productId: "p1", type: "view", idempotencyKey: k })),
              },
            }),
          });
          const body = (await res.json()) as {
            data?: { recordEvents?: { accepted: number } };
            errors?: unknown;
          };
          if (body.errors) throw new Error(`recordEvents failed: ${JSON.stringify(body.errors)}`);
          if (body.data?.recordEvents?.accepted === 20) acknowledged.push(...keys);
        } catch (err) {
          if ((err as Error).message.startsWith("recordEvents failed")) throw err;
          return; // the server is gone: this batch was never acknowledged
        }
      }
    };
    const clients = Promise.all([0, 1, 2, 3].map(client));
    const enough = (async () => {
      while (acknowledged.length < 400) await new Promise((r) => setTimeout(r, 20));
    })();
    await Promise.race([enough, clients]);
    child.kill("SIGKILL");
    stop = true;
    await clients;

    const after = await openCatalog({ databaseUrl: db.url, dataDir: db.dataDir });
    try {
      const stored = new Set(
        (await after.prisma.event.findMany({ select: { idempotencyKey: true } })).map(
          (e) => e.idempotencyKey,
        ),
      );
      const missing = acknowledged.filter((k) => !stored.has(k));
      expect(acknowledged.length).toBeGreaterThanOrEqual(400);
      expect(missing).toEqual([]);
    } finally {
      await after.close();
      await db.drop();
    }
  });
});
