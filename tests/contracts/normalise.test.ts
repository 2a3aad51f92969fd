import { describe, expect, it } from "vitest";
import {
  detectLanguage,
  normaliseCategory,
  normaliseColumnName,
  normaliseId,
  normaliseText,
  parseAmount,
  parseAttributes,
  parseInteger,
  parseTimestamp,
} from "../../src/contracts/index.js";

describe("normaliseText", () => {
  it("folds full-width characters (NFKC) and whitespace runs", () => {
    expect(normaliseText("  ＡＢＣ１２３\t phone\n\n case  ")).toBe("ABC123 phone case");
  });
  it("turns control characters into spaces (PostgreSQL refuses NUL)", () => {
    expect(normaliseText("a\u0000b\u0007c")).toBe("a b c");
  });
  it("leaves plain text as it is", () => {
    expect(normaliseText("Red shoe, size 42")).toBe("Red shoe, size 42");
  });
});

describe("normaliseId", () => {
  it("trims and folds full-width digits", () => {
    expect(normaliseId(" P１ ")).toBe("P1");
  });
  it("refuses ids with control characters or inner line breaks", () => {
    expect(normaliseId("a\u0001b")).toBeNull();
    expect(normaliseId("a\tb")).toBeNull();
  });
});

describe("normaliseColumnName", () => {
  it.each([
    ["Product ID", "product_id"],
    ["productId", "product_id"],
    ["imageUrl", "image_url"],
    ["  SKU ", "sku"],
    ["item-id", "item_id"],
  ])("%s -> %s", (name, expected) => {
    expect(normaliseColumnName(name)).toBe(expected);
  });
});

describe("normaliseCategory", () => {
  it("joins levels with ' > ' from text or a list", () => {
    expect(normaliseCategory("Home>Kitchen >  Knives")).toBe("Home > Kitchen > Knives");
    expect(normaliseCategory(["Home", " Office "])).toBe("Home > Office");
    expect(normaliseCategory(" > ")).toBeNull();
  });
});

describe("parseAmount", () => {
  it.each([
    ["$1,299.00", 1299, "USD"],
    ["12,50 €", 12.5, "EUR"],
    ["1.299,00 EUR", 1299, "EUR"],
    ["CNY 99", 99, "CNY"],
    ["¥99", 99, "CNY"],
    ["￥99", 99, "CNY"],
    ["99元", 99, "CNY"],
    ["£ 3", 3, "GBP"],
    ["12.5", 12.5, null],
    ["1 299,5", 1299.5, null],
    ["-$5", -5, "USD"],
  ])("%s", (text, value, currency) => {
    expect(parseAmount(text)).toEqual({ value, currency });
  });
  it.each(["twelve", "€3 USD", "1,2,3", "", "$"])("refuses %j", (text) => {
    expect(parseAmount(text)).toBeNull();
  });
});

describe("parseInteger", () => {
  it("reads integers from text and numbers", () => {
    expect(parseInteger("12")).toBe(12);
    expect(parseInteger("12.0")).toBe(12);
    expect(parseInteger("1,200")).toBe(1200);
    expect(parseInteger(7)).toBe(7);
    expect(parseInteger(7n)).toBe(7);
  });
  it("refuses fractions and words", () => {
    expect(parseInteger("12.5")).toBeNull();
    expect(parseInteger(1.5)).toBeNull();
    expect(parseInteger("many")).toBeNull();
  });
});

describe("parseTimestamp", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  it.each([
    ["2026-01-02T03:04:05Z", at],
    ["2026-01-02T03:04:05.000Z", at],
    ["2026-01-02 03:04:05", at],
    ["2026-01-02T03:04:05+00:00", at],
    ["2026-01-02T05:04:05+02:00", at],
    ["2026-01-02T03:04:05.123456Z", at + 123],
    ["2026-01-02", Date.UTC(2026, 0, 2)],
    [String(at / 1000), at],
    [String(at), at],
    [at / 1000, at],
    [at, at],
    [new Date(at), at],
  ])("%s", (value, expected) => {
    expect(parseTimestamp(value)).toBe(expected);
  });
  it.each([
    "2026-02-30",
    "2026-13-01",
    "2025-02-29T00:00:00Z",
    "yesterday",
    "12345678901234",
    "2026-01-02T25:00:00Z",
    -5,
  ])("refuses %j", (value) => {
    expect(parseTimestamp(value)).toBeNull();
  });
  it("reads a naive time as UTC, not local time", () => {
    expect(parseTimestamp("2026-06-01T12:00:00")).toBe(Date.UTC(2026, 5, 1, 12));
  });
});

describe("parseAttributes", () => {
  it("reads objects, JSON text and k:v lists, keys sorted, blanks dropped", () => {
    expect(parseAttributes({ size: "42", color: " red ", none: null })).toEqual({ color: "red", size: "42" });
    expect(Object.keys(parseAttributes('{"b":1,"a":true}')!)).toEqual(["a", "b"]);
    expect(parseAttributes("color: red; size: 42")).toEqual({ color: "red", size: "42" });
    expect(parseAttributes("color=red|size=42")).toEqual({ color: "red", size: "42" });
  });
  it("refuses nested values and text that is no map", () => {
    expect(parseAttributes({ a: { b: 1 } })).toBeNull();
    expect(parseAttributes("[1,2]")).toBeNull();
    expect(parseAttributes("just words")).toBeNull();
    expect(parseAttributes([1])).toBeNull();
  });
});

describe("detectLanguage", () => {
  it("tells scripts apart", () => {
    expect(detectLanguage("Red shoe")).toBe("en");
    expect(detectLanguage("运动鞋")).toBe("zh");
    expect(detectLanguage("スニーカー")).toBe("ja");
    expect(detectLanguage("운동화")).toBe("ko");
  });
});
