import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCatalog } from "../../src/catalog/client.js";
import { verifyApiKey } from "../../src/catalog/keys.js";
import { freshDatabase } from "../support/catalog.js";
import { ROOT } from "../support/env.js";

const run = promisify(execFile);

describe("shopmind keys", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    db = await freshDatabase("sqlite");
  });
  afterAll(() => db.drop());

  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(ROOT, "scripts", "shopmind.mjs"), ...args], {
      env: { ...process.env, DATABASE_URL: db.url, SHOPMIND_DATA_DIR: db.dataDir },
    });

  it("creates a key that verifies, lists it without the secret, and revokes it", async () => {
    const created = JSON.parse(
      (await cli("keys", "create", "--role", "admin", "--name", "ops", "--json")).stdout,
    ) as { id: string; key: string; role: string };
    expect(created.role).toBe("ADMIN");
    const catalog = await openCatalog({ databaseUrl: db.url, dataDir: db.dataDir });
    try {
      expect(await verifyApiKey(catalog.prisma, created.key)).toMatchObject({
        keyId: created.id,
        role: "ADMIN",
      });
      const listed = (await cli("keys", "list", "--json")).stdout;
      expect(listed).toContain(created.id);
      expect(listed).not.toContain(created.key);
      await cli("keys", "revoke", created.id, "--json");
      // A client that has not verified the key before sees the revocation at once (one that
      // has, within the cache's few seconds: docs/graphql.md).
      const fresh = await openCatalog({ databaseUrl: db.url, dataDir: db.dataDir });
      try {
        expect(await verifyApiKey(fresh.prisma, created.key)).toBeNull();
      } finally {
        await fresh.close();
      }
    } finally {
      await catalog.close();
    }
  });

  it("refuses an unknown role with exit code 2 and the field named", async () => {
    const err = await cli("keys", "create", "--role", "owner", "--name", "x", "--json").catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect(JSON.parse((err as { stdout: string }).stdout)).toMatchObject({
      error: { code: "BAD_USER_INPUT", field: "role" },
    });
  });
});
