import { auditServer } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

// The GraphQL-over-HTTP conformance audit of the graphql-http package, run against the real server.
describe("GraphQL over HTTP conformance", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("sqlite");
  });
  afterAll(() => t.stop());

  it("fails no MUST item", async () => {
    const results = await auditServer({ url: `${t.server.url}/graphql` });
    const failedMust = results
      .filter((r) => r.status === "error" && r.name.startsWith("MUST"))
      .map((r) => `${r.name}: ${"reason" in r ? r.reason : ""}`);
    expect(failedMust).toEqual([]);
    expect(results.length).toBeGreaterThan(20);
  });
});
