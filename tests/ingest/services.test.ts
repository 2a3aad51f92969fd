import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { recordEvents, upsertProducts } from "../../src/ingest/index.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";
import { counts, settingsFor } from "./helpers.js";

const T = "2026-01-01T10:00:00Z";

async function failure(p: Promise<unknown>): Promise<InputError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe.each(PROVIDERS)("services on %s", (provider) => {
  let catalog: TestCatalog;
  beforeEach(async () => {
    catalog = await testCatalog(provider);
  });
  afterEach(async () => {
    await catalog.drop();
  });

  describe("upsertProducts", () => {
    it("inserts, updates and recognises unchanged products", async () => {
      const settings = settingsFor(catalog);
      const first = await upsertProducts(
        catalog,
        [
          { id: "p1", title: "Lamp", price: "€12,50", attributes: { colour: "red" } },
          { id: "p2", title: "Mug", stock: 3, imageUrl: "https://img.test/p2.png" },
        ],
        settings,
      );
      expect(first).toEqual({ inserted: 2, updated: 0, unchanged: 0, ids: ["p1", "p2"] });
      const p1 = await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p1" } });
      expect(p1).toMatchObject({
        price: 12.5,
        currency: "EUR",
        attributes: { colour: "red" },
        ingestRunId: null,
      });
      const second = await upsertProducts(
        catalog,
        [
          { id: "p1", title: "Lamp", price: "€12,50", attributes: { colour: "red" } },
          { id: "p2", title: "Big mug", stock: 3, imageUrl: "https://img.test/p2.png" },
          { id: "p3", title: "Kettle" },
        ],
        settings,
      );
      expect(second).toEqual({ inserted: 1, updated: 1, unchanged: 1, ids: ["p1", "p2", "p3"] });
      expect((await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p2" } })).title).toBe("Big mug");
    });

    it("keeps the last of a repeated id", async () => {
      const r = await upsertProducts(
        catalog,
        [
          { id: "p1", title: "Old" },
          { id: "p1", title: "New" },
        ],
        settingsFor(catalog),
      );
      expect(r).toEqual({ inserted: 1, updated: 0, unchanged: 0, ids: ["p1", "p1"] });
      expect((await catalog.prisma.product.findUniqueOrThrow({ where: { id: "p1" } })).title).toBe("New");
    });

    it("writes nothing when one product fails, and names it", async () => {
      const err = await failure(
        upsertProducts(
          catalog,
          [
            { id: "p1", title: "Fine" },
            { id: "p2", title: "Fine too" },
            { id: "p3", title: "Bad", price: "-4" },
          ],
          settingsFor(catalog),
        ),
      );
      expect(err.field).toBe("products[2].price");
      expect(err.code).toBe("BAD_USER_INPUT");
      expect(err.message).toBe('products[2].price: must be >= 0, got "-4"');
      expect(err.details).toMatchObject({ check: "out_of_range" });
      expect((await counts(catalog)).products).toBe(0);
    });

    it.each([
      [[{ title: "x" }], "products[0].id"],
      [[{ id: "p", title: "x", imageUrl: "nope" }], "products[0].imageUrl"],
      [[{ id: "p", title: "x" }, "text"], "products[1]"],
    ])("names the failing GraphQL field: %j -> %s", async (rows, field) => {
      expect((await failure(upsertProducts(catalog, rows, settingsFor(catalog)))).field).toBe(field);
    });

    it("refuses a batch over the limit", async () => {
      const rows = Array.from({ length: 3 }, (_, i) => ({ id: `p${i}`, title: "x" }));
      const err = await failure(upsertProducts(catalog, rows, settingsFor(catalog, { maxBatch: 2 })));
      expect(err.message).toMatch(/at most 2 per call/);
    });
  });

  describe("recordEvents", () => {
    beforeEach(async () => {
      await upsertProducts(
        catalog,
        [
          { id: "p1", title: "Lamp" },
          { id: "p2", title: "Mug" },
        ],
        settingsFor(catalog),
      );
    });

    it("stores a batch in order, creating its users, and answers with the sequence numbers", async () => {
      const events = Array.from({ length: 100 }, (_, i) => ({
        userId: `u${i % 7}`,
        sessionId: "s1",
        productId: i % 2 ? "p1" : "p2",
        type: i % 10 === 9 ? "purchase" : "view",
        timestamp: Date.UTC(2026, 0, 1) + i * 1000,
        price: i % 10 === 9 ? "$5.00" : null,
        quantity: i % 10 === 9 ? 1 : null,
      }));
      const r = await recordEvents(catalog, events, settingsFor(catalog));
      expect(r.accepted).toBe(100);
      expect(r.duplicates).toBe(0);
      const stored = await catalog.prisma.event.findMany({ orderBy: { seq: "asc" } });
      expect(stored.map((e) => e.seq)).toEqual(r.events.map((e) => e.seq));
      expect(stored.map((e) => e.timestamp.getTime())).toEqual(events.map((e) => e.timestamp));
      expect(stored[9]).toMatchObject({
        type: "purchase",
        price: 5,
        quantity: 1,
        productId: "p1",
        userId: "u2",
      });
      expect(await catalog.prisma.user.count()).toBe(7);
    });

    it("answers a seen idempotency key with the first event, within a call and across calls", async () => {
      const settings = settingsFor(catalog);
      const e = (key: string | null, type = "view") => ({
        userId: "u1",
        productId: "p1",
        type,
        timestamp: T,
        ...(key ? { idempotencyKey: key } : {}),
      });
      const first = await recordEvents(catalog, [e("k1"), e(null), e("k1", "click"), e("k2")], settings);
      expect(first.accepted).toBe(3);
      expect(first.duplicates).toBe(1);
      const [a, b, c, d] = first.events;
      expect(a).toEqual({ seq: a!.seq, idempotencyKey: "k1", duplicate: false });
      expect(b).toMatchObject({ idempotencyKey: null, duplicate: false });
      expect(c).toEqual({ seq: a!.seq, idempotencyKey: "k1", duplicate: true });
      expect(d!.duplicate).toBe(false);
      const again = await recordEvents(catalog, [e("k2"), e("k3")], settings);
      expect(again.events).toEqual([
        { seq: d!.seq, idempotencyKey: "k2", duplicate: true },
        { seq: again.events[1]!.seq, idempotencyKey: "k3", duplicate: false },
      ]);
      expect(await catalog.prisma.event.count()).toBe(4);
      expect((await catalog.prisma.event.findUniqueOrThrow({ where: { idempotencyKey: "k1" } })).type).toBe(
        "view",
      );
    });

    it("writes nothing when one event fails, naming events[i].field", async () => {
      const ok = { userId: "u1", productId: "p1", type: "view", timestamp: T };
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ ...ok, productId: "p404" }, "events[1].productId", /"p404" is not a product in the catalog/],
        [{ ...ok, timestamp: "2999-01-01" }, "events[1].timestamp", /in the future/],
        [{ ...ok, type: "teleport" }, "events[1].type", /unknown value "teleport"/],
        [{ ...ok, userId: "" }, "events[1].userId", /required value is missing/],
        [{ ...ok, productId: undefined }, "events[1].productId", /required for view events/],
        [{ ...ok, quantity: 0 }, "events[1].quantity", /must be >= 1/],
        [{ ...ok, idempotencyKey: 42 }, "events[1].idempotencyKey", /text of 1 to 200/],
      ];
      for (const [bad, field, message] of cases) {
        const err = await failure(recordEvents(catalog, [ok, bad, ok], settingsFor(catalog)));
        expect(err.field).toBe(field);
        expect(err.message).toMatch(message);
      }
      expect(await catalog.prisma.event.count()).toBe(0);
      expect(await catalog.prisma.user.count()).toBe(0);
    });

    it("runs in a catalog whose SQLite file survives process death once committed", async () => {
      if (provider !== "sqlite") return;
      const mode =
        await catalog.prisma.$queryRawUnsafe<Array<{ journal_mode: string }>>("PRAGMA journal_mode");
      expect(mode[0]!.journal_mode).toBe("wal");
      const sync =
        await catalog.prisma.$queryRawUnsafe<Array<{ synchronous: number | bigint }>>("PRAGMA synchronous");
      expect(Number(sync[0]!.synchronous)).toBeGreaterThanOrEqual(1);
    });
  });
});
