import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

describe("keys and roles over HTTP", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("sqlite");
  });
  afterAll(() => t.stop());

  it("answers a caller without a key with UNAUTHENTICATED on protected fields", async () => {
    const res = await t.gql("{ products(first: 1) { edges { cursor } } }", {}, null);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(res.data).toBeNull();
  });

  it("refuses an unknown key with HTTP 401", async () => {
    const res = await t.gql("{ __typename }", {}, "smk_not-a-real-key");
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("names the field a role may not use", async () => {
    const res = await t.gql('mutation { createApiKey(role: VIEWER, name: "x") { id } }', {}, t.keys.STEWARD);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "Mutation.createApiKey" });
  });

  it("creates a key an admin sees once, which works until revoked, and audits both", async () => {
    const created = await t.gql<{ createApiKey: { id: string; key: string; role: string } }>(
      'mutation { createApiKey(role: VIEWER, name: "storefront") { id key role } }',
    );
    const { id, key, role } = created.data!.createApiKey;
    expect(role).toBe("VIEWER");
    expect((await t.gql("{ products(first: 1) { edges { cursor } } }", {}, key)).errors).toBeUndefined();
    const listed = await t.gql<{ apiKeys: Array<{ id: string; prefix: string }> }>(
      "{ apiKeys { id prefix } }",
    );
    const row = listed.data!.apiKeys.find((k) => k.id === id)!;
    expect(key.startsWith(row.prefix)).toBe(true);
    expect(JSON.stringify(listed)).not.toContain(key);

    expect((await t.gql("mutation($id: ID!) { revokeApiKey(id: $id) }", { id })).data).toEqual({
      revokeApiKey: true,
    });
    expect((await t.gql("{ __typename }", {}, key)).status).toBe(401);
    const actions = await t.catalog.prisma.auditEntry.findMany({
      where: { target: id },
      orderBy: { id: "asc" },
    });
    expect(actions.map((a) => a.action)).toEqual(["createApiKey", "revokeApiKey"]);
  });

  it("stores only a hash of each key", async () => {
    const rows = await t.catalog.prisma.apiKey.findMany();
    for (const r of rows) {
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.values(t.keys)).not.toContain(r.hash);
    }
  });

  it("rejects a bad role with BAD_USER_INPUT", async () => {
    const res = await t.gql('mutation { createApiKey(role: OWNER, name: "x") { id } }');
    expect(res.errors?.[0]?.extensions?.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
  });
});
