/** Scalars shared by every domain. */
import { GraphQLJSON } from "graphql-scalars";

/** Arbitrary JSON (params, metrics, attribute maps). */
export const JSONScalar = GraphQLJSON;
