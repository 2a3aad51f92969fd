import { afterEach, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey, verifyApiKey } from "../../src/catalog/keys.js";
import { PROVIDERS, type TestCatalog, testCatalog } from "../support/catalog.js";

describe.each(PROVIDERS)("API keys on %s", (provider) => {
  let catalog: TestCatalog | undefined;
  afterEach(async () => {
    await catalog?.drop();
    catalog = undefined;
  });

  it("verifies a key, and stops at once when revoked through the same client despite the cache", async () => {
    catalog = await testCatalog(provider);
    const { id, key } = await createApiKey(catalog.prisma, { role: "STEWARD", name: "a" });
    expect(await verifyApiKey(catalog.prisma, key)).toEqual({ keyId: id, name: "a", role: "STEWARD" });
    expect(await verifyApiKey(catalog.prisma, key)).toEqual({ keyId: id, name: "a", role: "STEWARD" });
    await revokeApiKey(catalog.prisma, id);
    expect(await verifyApiKey(catalog.prisma, key)).toBeNull();
  });

  it("rejects keys that are unknown, malformed or another key's prefix", async () => {
    catalog = await testCatalog(provider);
    const { key } = await createApiKey(catalog.prisma, { role: "VIEWER", name: "b" });
    expect(await verifyApiKey(catalog.prisma, `${key}x`)).toBeNull();
    expect(await verifyApiKey(catalog.prisma, key.slice(0, -1))).toBeNull();
    expect(await verifyApiKey(catalog.prisma, "Bearer nonsense")).toBeNull();
  });

  it("names the field of a bad key request and refuses to revoke an unknown id", async () => {
    catalog = await testCatalog(provider);
    await expect(createApiKey(catalog.prisma, { role: "VIEWER", name: "  " })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      field: "name",
    });
    await expect(revokeApiKey(catalog.prisma, "nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
