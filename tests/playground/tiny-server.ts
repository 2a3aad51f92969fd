/**
 * A minimal express app with the playground and a small GraphQL endpoint behind it, for testing
 * the playground without the whole server: `products` answers only to the bearer key given.
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { buildSchema } from "graphql";
import { createHandler } from "graphql-http/lib/use/express";
import { mountPlayground } from "../../src/playground/serve.js";

const schema = buildSchema(`
  type Product { id: ID! title: String! brand: String price: Float }
  type ProductEdge { node: Product! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type ProductConnection { edges: [ProductEdge!]! pageInfo: PageInfo! }
  type Query {
    "Products, for callers presenting the right key."
    products(first: Int): ProductConnection!
    "The Authorization header the request carried."
    authorization: String
  }
`);

export type TinyServer = { url: string; close(): Promise<void> };

/** Starts the app on an ephemeral port of 127.0.0.1. */
export async function startTinyServer(options: { key: string; distDir?: string }): Promise<TinyServer> {
  const app = express();
  mountPlayground(app, { endpoint: "/graphql", distDir: options.distDir });
  const products = ["p-1", "p-2", "p-3"].map((id) => ({
    node: { id, title: `Product ${id}`, brand: "Acme", price: 9.5 },
  }));
  app.all(
    "/graphql",
    createHandler({
      schema,
      context: (req) => ({ authorization: req.raw.headers.authorization ?? null }),
      rootValue: {
        products: ({ first }: { first?: number }, ctx: { authorization: string | null }) => {
          if (ctx.authorization !== `Bearer ${options.key}`)
            throw new Error("UNAUTHENTICATED: a valid key is required");
          const edges = products.slice(0, first ?? products.length);
          return { edges, pageInfo: { hasNextPage: edges.length < products.length, endCursor: null } };
        },
        authorization: (_args: unknown, ctx: { authorization: string | null }) => ctx.authorization,
      },
    }),
  );
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
