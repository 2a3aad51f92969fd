/**
 * The HTTP face: GraphQL at /graphql (the playground for browsers on GET), /healthz and /readyz.
 * Stateless apart from its connections, so several can serve one catalog behind a balancer.
 */
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type ErrorRequestHandler } from "express";
import { type Catalog, openCatalog } from "./catalog/client.js";
import { verifyApiKey } from "./catalog/keys.js";
import type { Settings } from "./config.js";
import { AuthError, ShopmindError } from "./errors.js";
import type { GraphQLContext } from "./graphql/context.js";
import { formatError, toGraphQLError } from "./graphql/errors.js";
import { checkCost, checkDepth } from "./graphql/limits.js";
import { createLoaders } from "./graphql/loaders.js";
import { graphqlSchema } from "./graphql/schema.js";
import { mountPlayground } from "./playground/serve.js";

export type Server = { url: string; port: number; catalog: Catalog; close(): Promise<void> };

function limitsPlugin(settings: Settings): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          try {
            const operationName = request.operationName ?? undefined;
            checkDepth(document, operationName, settings.maxQueryDepth);
            checkCost(schema, document, request.variables ?? {}, operationName, settings.maxQueryCost);
          } catch (err) {
            if (err instanceof ShopmindError) throw toGraphQLError(err);
            throw err;
          }
        },
      };
    },
  };
}

/** Reads `Authorization: Bearer <key>`; no header means an anonymous caller. */
async function principalOf(catalog: Catalog, header: string | undefined) {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AuthError("Authorization must be `Bearer <key>`");
  const principal = await verifyApiKey(catalog.prisma, match[1]!);
  if (!principal) throw new AuthError("the API key is unknown or revoked");
  return principal;
}

/** Starts the server; `options.catalog` lets a caller share an open catalog (it is then not closed). */
export async function startServer(settings: Settings, options: { catalog?: Catalog } = {}): Promise<Server> {
  const catalog = options.catalog ?? (await openCatalog(settings));
  const schema = await graphqlSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
    // The caller owns the process and its signals (the demo must stop its Redis first).
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) =>
      formatError(formatted, error, (err) => {
        if (settings.logLevel !== "silent") console.error("shopmind: unexpected error", err);
      }),
    plugins: [ApolloServerPluginLandingPageDisabled(), limitsPlugin(settings)],
  });
  await apollo.start();

  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await catalog.prisma.$queryRawUnsafe("SELECT 1");
      res.json({ status: "ready", database: catalog.target.provider });
    } catch (err) {
      res.status(503).json({ status: "unavailable", reason: (err as Error).message });
    }
  });
  mountPlayground(app, { endpoint: "/graphql" });
  app.use(
    "/graphql",
    express.json({ limit: settings.bodyLimitBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          const principal = await principalOf(catalog, req.headers.authorization);
          return {
            settings,
            catalog,
            prisma: catalog.prisma,
            principal,
            loaders: createLoaders(catalog.prisma),
          };
        } catch (err) {
          if (err instanceof ShopmindError) throw toGraphQLError(err);
          throw err;
        }
      },
    }),
  );
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (res.headersSent) return next(err);
    if (e.type === "entity.too.large") {
      res.status(413).json({
        errors: [
          {
            message: `request body exceeds ${settings.bodyLimitBytes} bytes`,
            extensions: { code: "PAYLOAD_TOO_LARGE" },
          },
        ],
      });
      return;
    }
    if (e.status && e.status < 500) {
      res
        .status(e.status)
        .json({ errors: [{ message: e.message ?? "bad request", extensions: { code: "BAD_REQUEST" } }] });
      return;
    }
    if (settings.logLevel !== "silent") console.error("shopmind: unexpected error", err);
    res
      .status(500)
      .json({ errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
  };
  app.use(onError);

  const http = await new Promise<import("node:http").Server>((resolve, reject) => {
    const s = app.listen(settings.port, settings.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://${settings.host}:${port}`,
    port,
    catalog,
    close: async () => {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await apollo.stop();
      if (!options.catalog) await catalog.close();
    },
  };
}
