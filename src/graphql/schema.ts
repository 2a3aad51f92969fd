/**
 * The GraphQL schema, built from the domain resolvers (code first). schema/schema.graphql is its
 * printed form, checked in; a test fails when the two drift.
 */
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { authChecker } from "./auth.js";
import { FeatureResolver, FeatureVersionResolver, LineageLinkResolver } from "./features/resolver.js";
import { IngestRunResolver } from "./ingest/resolver.js";
import { JobResolver } from "./jobs/resolver.js";
import { KeyResolver } from "./keys/resolver.js";
import { ProductResolver } from "./products/resolver.js";
import { EventResolver, UserResolver } from "./users/resolver.js";

export const RESOLVERS = [
  ProductResolver,
  UserResolver,
  EventResolver,
  KeyResolver,
  FeatureResolver,
  FeatureVersionResolver,
  LineageLinkResolver,
  IngestRunResolver,
  JobResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/** Builds the schema once per process (type-graphql's metadata is global anyway). */
export function graphqlSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: [...RESOLVERS], authChecker, validate: false });
  return built;
}

/** The SDL checked in as schema/schema.graphql. */
export async function schemaSDL(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await graphqlSchema()))}\n`;
}
