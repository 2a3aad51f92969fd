import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS } from "../support/catalog.js";
import { startTestServer, type TestServer } from "../support/server.js";

const RECORD = `mutation($events: [EventInput!]!) {
  recordEvents(events: $events) { accepted duplicates events { seq idempotencyKey duplicate } }
}`;

type Recorded = {
  recordEvents: {
    accepted: number;
    duplicates: number;
    events: Array<{ seq: number; idempotencyKey: string | null; duplicate: boolean }>;
  };
};

describe.each(PROVIDERS)("users and events on %s", (provider) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(provider);
    await t.catalog.prisma.product.create({
      data: { id: "p1", title: "Kettle", brand: "Brew", rowHash: "h" },
    });
    await t.catalog.prisma.product.create({
      data: { id: "p2", title: "Teapot", brand: "Brew", rowHash: "h" },
    });
  });
  afterAll(() => t.stop());

  it("records events, creates their user, and shows them newest first with products", async () => {
    const res = await t.gql<Recorded>(
      RECORD,
      {
        events: [
          {
            userId: "u1",
            productId: "p1",
            type: "view",
            timestamp: "2026-01-01T10:00:00Z",
            idempotencyKey: "a",
          },
          {
            userId: "u1",
            productId: "p2",
            type: "purchase",
            timestamp: "2026-01-01T10:05:00Z",
            price: 20,
            quantity: 1,
            idempotencyKey: "b",
          },
        ],
      },
      t.keys.VIEWER,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.recordEvents).toMatchObject({ accepted: 2, duplicates: 0 });
    const user = await t.gql(
      '{ user(id: "u1") { id events(first: 5) { edges { node { type product { title brand } } } } } }',
    );
    expect(user.data).toEqual({
      user: {
        id: "u1",
        events: {
          edges: [
            { node: { type: "purchase", product: { title: "Teapot", brand: "Brew" } } },
            { node: { type: "view", product: { title: "Kettle", brand: "Brew" } } },
          ],
        },
      },
    });
  });

  it("answers a repeated idempotency key with the first event, stored once", async () => {
    const event = {
      userId: "u2",
      productId: "p1",
      type: "click",
      timestamp: "2026-01-02T00:00:00Z",
      idempotencyKey: "k-same",
    };
    const first = await t.gql<Recorded>(RECORD, { events: [event] });
    const again = await t.gql<Recorded>(RECORD, { events: [event, { ...event, idempotencyKey: "k-other" }] });
    expect(again.data!.recordEvents.duplicates).toBe(1);
    expect(again.data!.recordEvents.events[0]).toEqual({
      seq: first.data!.recordEvents.events[0]!.seq,
      idempotencyKey: "k-same",
      duplicate: true,
    });
    expect(await t.catalog.prisma.event.count({ where: { idempotencyKey: "k-same" } })).toBe(1);
  });

  it("rejects a batch with one bad event, naming it, and writes none of it", async () => {
    const before = await t.catalog.prisma.event.count();
    const res = await t.gql<Recorded>(RECORD, {
      events: [
        { userId: "u3", productId: "p1", type: "view", timestamp: "2026-01-03T00:00:00Z" },
        { userId: "u3", productId: "unknown-product", type: "view", timestamp: "2026-01-03T00:00:00Z" },
      ],
    });
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.extensions?.field).toMatch(/^events\[1\]\./);
    expect(await t.catalog.prisma.event.count()).toBe(before);
  });

  it("accepts a batch of 100 in one call", async () => {
    const events = Array.from({ length: 100 }, (_, i) => ({
      userId: `bulk-${i % 7}`,
      productId: i % 2 ? "p1" : "p2",
      type: "view",
      timestamp: new Date(Date.UTC(2026, 0, 5, 0, 0, i)).toISOString(),
      idempotencyKey: `bulk-${i}`,
    }));
    const res = await t.gql<Recorded>(RECORD, { events });
    expect(res.data!.recordEvents.accepted).toBe(100);
    const seqs = res.data!.recordEvents.events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(100);
  });

  it("lists users as a connection", async () => {
    const res = await t.gql<{ users: { edges: Array<{ node: { id: string } }> } }>(
      "{ users(first: 100) { edges { node { id } } } }",
    );
    expect(res.data!.users.edges.map((e) => e.node.id)).toContain("u1");
  });
});
