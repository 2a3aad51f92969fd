/**
 * A real server on a free port over a fresh catalog, with one key per role, and a small client
 * that speaks GraphQL over HTTP the way a storefront would.
 */
import { type Catalog, type OpenOptions, openCatalog } from "../../src/catalog/client.js";
import { createApiKey } from "../../src/catalog/keys.js";
import { loadSettings, type Settings } from "../../src/config.js";
import { type Server, startServer } from "../../src/server.js";
import { freshDatabase, type Provider } from "./catalog.js";

export type GraphQLResponse<T = Record<string, unknown>> = {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; field?: string } }>;
};

export type TestServer = {
  server: Server;
  catalog: Catalog;
  settings: Settings;
  keys: { ADMIN: string; STEWARD: string; VIEWER: string };
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
};

/** Starts a server on `provider` with optional setting overrides. */
export async function startTestServer(
  provider: Provider,
  overrides: Partial<Settings> = {},
  openOptions: OpenOptions = {},
): Promise<TestServer> {
  const db = await freshDatabase(provider);
  const settings = loadSettings(
    { databaseUrl: db.url, dataDir: db.dataDir, port: 0, logLevel: "silent", ...overrides },
    {},
  );
  const catalog = await openCatalog(settings, openOptions);
  const server = await startServer(settings, { catalog });
  const keys = {
    ADMIN: (await createApiKey(catalog.prisma, { role: "ADMIN", name: "admin" })).key,
    STEWARD: (await createApiKey(catalog.prisma, { role: "STEWARD", name: "steward" })).key,
    VIEWER: (await createApiKey(catalog.prisma, { role: "VIEWER", name: "viewer" })).key,
  };
  return {
    server,
    catalog,
    settings,
    keys,
    async gql(query, variables, key = keys.ADMIN) {
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    async stop() {
      await server.close();
      await catalog.close();
      await db.drop();
    },
  };
}
