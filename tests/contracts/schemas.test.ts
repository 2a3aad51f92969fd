import { describe, expect, it } from "vitest";
import {
  EventRowSchema,
  makeRules,
  ProductRowSchema,
  parseEvent,
  parseJudgement,
  parseProduct,
} from "../../src/contracts/index.js";

const NOW = Date.UTC(2026, 5, 1);
const rules = makeRules({}, NOW);

function issue(result: ReturnType<typeof parseProduct | typeof parseEvent | typeof parseJudgement>) {
  if (result.ok) throw new Error("expected a failure");
  return result.issues;
}

describe("parseProduct", () => {
  it("maps aliases, normalises values, folds unknown keys into attributes", () => {
    const r = parseProduct(
      {
        SKU: " P１ ",
        product_title: "ＡＢＣ   phone",
        price: "$1,299.00",
        category: "Electronics>Phones",
        colour: "red",
        attributes: "size: 6.1in",
      },
      rules,
    );
    expect(r).toEqual({
      ok: true,
      row: {
        item_id: "P1",
        title: "ABC phone",
        description: null,
        brand: null,
        category: "Electronics > Phones",
        price: 1299,
        currency: "USD",
        stock: null,
        attributes: { colour: "red", size: "6.1in" },
        image_url: null,
        language: "en",
      },
    });
  });

  it("accepts the GraphQL names", () => {
    const r = parseProduct({ id: "p1", title: "Lamp", imageUrl: "https://x.test/a.png", stock: 3 }, rules);
    expect(r.ok && r.row.image_url).toBe("https://x.test/a.png");
  });

  it("takes the currency from the price, then the default; detects the language", () => {
    const eur = parseProduct({ id: "p", title: "台灯", price: "12,50 €" }, rules);
    expect(eur.ok && [eur.row.currency, eur.row.price, eur.row.language]).toEqual(["EUR", 12.5, "zh"]);
    const plain = parseProduct({ id: "p", title: "x", price: 3 }, makeRules({ defaultCurrency: "GBP" }, NOW));
    expect(plain.ok && plain.row.currency).toBe("GBP");
    const none = parseProduct({ id: "p", title: "x" }, rules);
    expect(none.ok && none.row.currency).toBeNull();
  });

  it.each([
    [{ id: "p", title: "" }, "title", "missing"],
    [{ title: "x" }, "item_id", "missing"],
    [{ id: "p", title: "x", price: "-1" }, "price", "out_of_range"],
    [{ id: "p", title: "x", price: "twelve" }, "price", "not_a_number"],
    [{ id: "p", title: "x", stock: "2.5" }, "stock", "not_an_integer"],
    [{ id: "p", title: "x", stock: -1 }, "stock", "out_of_range"],
    [{ id: "p", title: "x", image_url: "ftp://x" }, "image_url", "bad_format"],
    [{ id: "p", title: "x", currency: "dollars" }, "currency", "bad_format"],
    [{ id: "p", title: "x", currency: "USD", price: "€3" }, "currency", "bad_format"],
    [{ id: "p", title: "x", language: "english!" }, "language", "bad_format"],
    [{ id: "p", title: "x", attributes: { a: { b: 1 } } }, "attributes", "bad_format"],
    [{ id: "p", title: "x".repeat(1001) }, "title", "too_long"],
    [{ id: "p\u0001", title: "x" }, "item_id", "bad_format"],
    [{ id: "p", title: "\ud800x" }, "title", "broken_encoding"],
    [{ id: "p", title: { text: "x" } }, "title", "bad_format"],
    [{ id: "p", item_id: "q", title: "x" }, "item_id", "bad_format"],
  ])("%j fails %s with %s", (input, field, check) => {
    const issues = issue(parseProduct(input, rules));
    expect(issues[0]).toMatchObject({ field, check });
    expect(issues[0]!.reason).toContain(field);
  });

  it("reports every failing field at once", () => {
    const issues = issue(parseProduct({ price: "-1", stock: "x" }, rules));
    expect(issues.map((i) => i.field).sort()).toEqual(["item_id", "price", "stock", "title"]);
  });

  it("refuses what is not an object", () => {
    expect(issue(parseProduct([1, 2]))[0]).toMatchObject({ field: "_record", check: "bad_record" });
    expect(issue(parseProduct(null))[0]!.check).toBe("bad_record");
  });
});

describe("parseEvent", () => {
  it("maps GraphQL names and event type spellings; timestamps become UTC dates", () => {
    const r = parseEvent(
      { userId: "u1", productId: "p1", type: "Add to cart", timestamp: "2026-01-01 10:00:00", quantity: "2" },
      rules,
    );
    expect(r.ok && r.row).toEqual({
      user_id: "u1",
      session_id: null,
      item_id: "p1",
      event_type: "add_to_cart",
      timestamp: new Date(Date.UTC(2026, 0, 1, 10)),
      query: null,
      price: null,
      quantity: 2,
    });
  });

  it.each([
    [{ userId: "u", type: "view", timestamp: NOW }, "item_id", "missing"],
    [{ userId: "u", type: "search", timestamp: NOW }, "query", "missing"],
    [{ userId: "u", productId: "p", type: "teleport", timestamp: NOW }, "event_type", "unknown_value"],
    [{ userId: "u", productId: "p", type: "view", timestamp: "soon" }, "timestamp", "bad_timestamp"],
    [
      { userId: "u", productId: "p", type: "view", timestamp: NOW + 2 * 86_400_000 },
      "timestamp",
      "future_timestamp",
    ],
    [{ userId: "u", productId: "p", type: "view", timestamp: "1985-01-01" }, "timestamp", "out_of_range"],
    [{ userId: "u", productId: "p", type: "view", timestamp: NOW, quantity: 0 }, "quantity", "out_of_range"],
    [{ productId: "p", type: "view", timestamp: NOW }, "user_id", "missing"],
  ])("%j fails %s with %s", (input, field, check) => {
    expect(issue(parseEvent(input, rules))[0]).toMatchObject({ field, check });
  });

  it("accepts a search without a product", () => {
    expect(parseEvent({ user: "u", event: "query", ts: NOW, q: " red   shoes " }, rules)).toMatchObject({
      ok: true,
      row: { event_type: "search", query: "red shoes", item_id: null },
    });
  });
});

describe("parseJudgement", () => {
  it("maps search_term and product_uid", () => {
    expect(
      parseJudgement({ search_term: "angle bracket", product_uid: 100001, relevance: "2.67" }, rules),
    ).toEqual({
      ok: true,
      row: { query: "angle bracket", item_id: "100001", relevance: 2.67 },
    });
  });
  it.each([
    [{ query: "q", item_id: "p", relevance: 101 }, "relevance", "out_of_range"],
    [{ query: "q", item_id: "p", relevance: "3 USD" }, "relevance", "not_a_number"],
    [{ query: "q", item_id: "p" }, "relevance", "missing"],
  ])("%j fails %s with %s", (input, field, check) => {
    expect(issue(parseJudgement(input, rules))[0]).toMatchObject({ field, check });
  });
});

describe("the zod schemas", () => {
  it("are zod schemas whose issues carry the check code", () => {
    const ok = ProductRowSchema.safeParse({ id: "p", title: "t" });
    expect(ok.success).toBe(true);
    const bad = EventRowSchema.safeParse({ userId: "u", type: "view", timestamp: "x", productId: "p" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ["timestamp"], params: { check: "bad_timestamp" } });
  });
  it("judge the future against the moment of the check", () => {
    expect(
      EventRowSchema.safeParse({
        userId: "u",
        type: "view",
        timestamp: Date.now() + 3_600_000,
        productId: "p",
      }).success,
    ).toBe(true);
  });
});
