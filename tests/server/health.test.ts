import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVIDERS } from "../support/catalog.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe.each(PROVIDERS)("health on %s", (provider) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(provider);
  });
  afterAll(() => t.stop());

  it("answers /healthz and /readyz with the database it serves", async () => {
    expect(await (await fetch(`${t.server.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${t.server.url}/readyz`)).json()).toEqual({
      status: "ready",
      database: provider,
    });
  });
});
