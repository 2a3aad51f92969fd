import { describe, expect, it } from "vitest";
import { violations } from "../../../scripts/demo/synth/queries.js";
import { generateShop } from "../../../scripts/demo/synth/shop.js";

describe("buildQueries", () => {
  const shop = generateShop({ products: 200, users: 20, events: 500, queries: 40, seed: 3 });
  const { queries, judgements } = shop.queries;
  const products = shop.catalog.products;

  it("makes the queries asked for, distinct, in both languages", () => {
    expect(queries).toHaveLength(40);
    expect(new Set(queries.map((q) => q.text)).size).toBe(40);
    expect(queries.some((q) => q.language === "zh" && /\p{Script=Han}/u.test(q.text))).toBe(true);
    expect(queries.some((q) => q.language === "en")).toBe(true);
  });

  it("grades every judgement by the query's constraints against the catalog", () => {
    expect(judgements.length).toBeGreaterThan(queries.length);
    for (const j of judgements) {
      const q = queries[j.query]!;
      const p = products[j.product]!;
      expect(p.language).toBe(q.language);
      if (j.relevance === 3) expect([p.leaf, violations(q, p)]).toEqual([q.leaf, 0]);
      if (j.relevance === 2) expect([p.leaf, violations(q, p)]).toEqual([q.leaf, 1]);
      if (j.relevance === 1) expect(p.leaf !== q.leaf || violations(q, p) >= 2).toBe(true);
      if (j.relevance === 0) expect(p.top).not.toBe(products.find((x) => x.leaf === q.leaf)!.top);
    }
  });

  it("finds the product a query was made from among its exact matches or their betters", () => {
    for (const q of queries) {
      const seed = products.find((p) => p.id === q.seedItem)!;
      expect(violations(q, seed)).toBe(0);
      expect(judgements.some((j) => j.query === q.index && j.relevance === 3)).toBe(true);
    }
  });

  it("never judges the same pair twice", () => {
    const pairs = judgements.map((j) => `${j.query}:${j.product}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });
});
