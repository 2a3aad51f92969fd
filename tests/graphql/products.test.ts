import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS } from "../support/catalog.js";
import { type GraphQLResponse, startTestServer, type TestServer } from "../support/server.js";

type Page = {
  products: {
    edges: Array<{ cursor: string; node: { id: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const PAGE = `query($first: Int, $after: String, $filter: ProductFilter) {
  products(first: $first, after: $after, filter: $filter) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
}`;

describe.each(PROVIDERS)("products on %s", (provider) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(provider);
    const rows = [
      {
        id: "p1",
        title: "Chef knife",
        brand: "Acme",
        category: "Home > Kitchen > Knives",
        price: 40,
        stock: 3,
        language: "en",
      },
      {
        id: "p2",
        title: "Paring knife",
        brand: "Acme",
        category: "Home > Kitchen > Knives",
        price: 12,
        stock: 0,
        language: "en",
      },
      {
        id: "p3",
        title: "菜刀",
        brand: "王麻子",
        category: "Home > Kitchen",
        price: 25,
        stock: 9,
        language: "zh",
      },
      {
        id: "p4",
        title: "Garden hose",
        brand: "Flow",
        category: "Garden",
        price: 30,
        stock: 1,
        language: "en",
      },
      {
        id: "p5",
        title: "Kitchenette sign",
        brand: "Acme",
        category: "Home > Kitchenette",
        price: 5,
        stock: 2,
        language: "en",
      },
    ];
    for (const r of rows) await t.catalog.prisma.product.create({ data: { ...r, rowHash: r.id } });
  });
  afterAll(() => t.stop());

  it("pages through every product once, in id order", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res: GraphQLResponse<Page> = await t.gql<Page>(PAGE, { first: 2, after });
      const page: Page["products"] = res.data!.products;
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(["p1", "p2", "p3", "p4", "p5"]);
  });

  it.each([
    [{ brand: "Acme" }, ["p1", "p2", "p5"]],
    [{ category: "Home > Kitchen" }, ["p1", "p2", "p3"]],
    [{ minPrice: 12, maxPrice: 30 }, ["p2", "p3", "p4"]],
    [{ inStock: true, brand: "Acme" }, ["p1", "p5"]],
    [{ inStock: false }, ["p2"]],
    [{ language: "zh" }, ["p3"]],
  ])("filters by %j", async (filter, expected) => {
    const res = await t.gql<Page>(PAGE, { first: 10, filter });
    expect(res.data!.products.edges.map((e) => e.node.id)).toEqual(expected);
  });

  it("reads one product, with null for an unknown id", async () => {
    const res = await t.gql(
      '{ a: product(id: "p3") { title brand category } b: product(id: "nope") { id } }',
    );
    expect(res.data).toEqual({ a: { title: "菜刀", brand: "王麻子", category: "Home > Kitchen" }, b: null });
  });
});
