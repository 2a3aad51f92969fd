import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS } from "../support/catalog.js";
import { startTestServer, type TestServer } from "../support/server.js";

// The number of SQL statements a query costs must not grow with the length of the list it
// returns: relations go through per-request DataLoaders. The API-key check is left out of the
// count: the server caches verified keys for a few seconds, so whether it runs is a matter of timing.
describe.each(PROVIDERS)("statements per query on %s", (provider) => {
  let t: TestServer;
  let statements = 0;
  beforeAll(async () => {
    t = await startTestServer(
      provider,
      {},
      {
        onQuery: (e) => {
          if (!e.query.includes("ApiKey")) statements++;
        },
      },
    );
    const p = t.catalog.prisma;
    await p.user.create({ data: { id: "u1" } });
    for (let i = 0; i < 60; i++) {
      await p.product.create({
        data: { id: `p${i}`, title: `Product ${i}`, brand: `Brand ${i % 7}`, rowHash: "h" },
      });
    }
    for (let i = 0; i < 60; i++) {
      await p.event.create({
        data: { userId: "u1", productId: `p${i}`, type: "view", timestamp: new Date(1_700_000_000_000 + i) },
      });
    }
    const feature = await p.feature.create({ data: { name: "chain" } });
    let previous: string | null = null;
    for (let n = 1; n <= 4; n++) {
      const v: { id: string } = await p.featureVersion.create({ data: { featureId: feature.id, number: n } });
      if (previous) await p.lineageEdge.create({ data: { versionId: v.id, inputVersionId: previous } });
      previous = v.id;
    }
  });
  afterAll(() => t.stop());

  async function count(query: string, variables: Record<string, unknown>): Promise<number> {
    const before = statements;
    const res = await t.gql(query, variables);
    expect(res.errors).toBeUndefined();
    return statements - before;
  }

  const EVENTS = `query($n: Int) { user(id: "u1") { id events(first: $n) { edges { node { seq type product { id title brand } } } } } }`;

  it("lists 50 events with their products and brands in as many statements as 5", async () => {
    const small = await count(EVENTS, { n: 5 });
    const large = await count(EVENTS, { n: 50 });
    expect(large).toBe(small);
    // user, events, products
    expect(large).toBeLessThanOrEqual(4);
  });
});
