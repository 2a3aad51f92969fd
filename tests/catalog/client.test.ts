import { rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openCatalog } from "../../src/catalog/client.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { SCRATCH } from "../support/env.js";

describe.each(PROVIDERS)("catalog on %s", (provider) => {
  let catalog: TestCatalog | undefined;
  afterEach(async () => {
    await catalog?.drop();
    catalog = undefined;
  });

  it("stores and reads back a product with its attribute map", async () => {
    catalog = await testCatalog(provider);
    await catalog.prisma.product.create({
      data: {
        id: "sku-1",
        title: "Chef's knife",
        attributes: { blade: "20 cm" },
        rowHash: "h1",
        price: 49.5,
      },
    });
    const got = await catalog.prisma.product.findUniqueOrThrow({ where: { id: "sku-1" } });
    expect(got.attributes).toEqual({ blade: "20 cm" });
    expect(got.price).toBe(49.5);
  });

  it("refuses a database migrated by a newer shopmind", async () => {
    catalog = await testCatalog(provider);
    await catalog.prisma.$executeRawUnsafe(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ('x', 'y', '29991231000000_future', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)`,
    );
    await expect(openCatalog({ databaseUrl: catalog.url, dataDir: catalog.dataDir })).rejects.toThrow(
      /migrated by a newer shopmind \(29991231000000_future\)/,
    );
  });

  it("keeps idempotency keys unique", async () => {
    catalog = await testCatalog(provider);
    await catalog.prisma.user.create({ data: { id: "u1" } });
    const event = { userId: "u1", type: "view", timestamp: new Date(), idempotencyKey: "k1" };
    await catalog.prisma.event.create({ data: event });
    await expect(catalog.prisma.event.create({ data: event })).rejects.toThrow();
  });
});

describe("an unmigrated catalog", () => {
  it("is refused with the command that fixes it", async () => {
    const dir = path.join(SCRATCH, `empty-${Date.now()}`);
    await expect(openCatalog({ databaseUrl: `file:${dir}/shopmind.db`, dataDir: dir })).rejects.toThrow(
      /shopmind migrate/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
