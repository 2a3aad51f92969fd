import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

describe("query limits", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("sqlite", { maxQueryDepth: 4, maxQueryCost: 500, bodyLimitBytes: 2048 });
  });
  afterAll(() => t.stop());

  it("refuses a query nested deeper than the limit", async () => {
    const res = await t.gql(
      "{ users(first: 1) { edges { node { events(first: 1) { edges { node { seq } } } } } } }",
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(res.errors?.[0]?.message).toMatch(/levels deep; the limit is 4/);
  });

  it("refuses a query whose lists multiply past the cost limit", async () => {
    const res = await t.gql("{ products(first: 400) { edges { node { id title brand price } } } }");
    expect(res.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    const ok = await t.gql("{ products(first: 10) { edges { node { id title brand price } } } }");
    expect(ok.errors).toBeUndefined();
  });

  it("refuses a body over the limit with 413 and a code", async () => {
    const res = await t.gql(`{ __typename } # ${"x".repeat(4000)}`);
    expect(res.status).toBe(413);
    expect(res.errors?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("names the argument of a page size over the maximum", async () => {
    const big = await startTestServer("sqlite", { maxPageSize: 5 });
    try {
      const res = await big.gql("{ products(first: 6) { edges { cursor } } }");
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    } finally {
      await big.stop();
    }
  });

  it("returns no stack traces", async () => {
    const res = await t.gql('{ products(first: 1, after: "%%%") { edges { cursor } } }');
    expect(res.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "after" });
    expect(JSON.stringify(res)).not.toMatch(/stacktrace|at .*\.ts:/);
  });
});
