/**
 * Query limits: a depth rule (graphql-js validation) and a cost estimate per operation, so that
 * one request cannot ask the catalog for an unbounded amount of work.
 */

import { createRequire } from "node:module";
import type { DocumentNode, GraphQLSchema } from "graphql";
import {
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { ComplexityEstimator } from "graphql-query-complexity";
import { QueryTooComplexError, ShopmindError } from "../errors.js";

// graphql-query-complexity's ES module build imports `graphql/index.mjs`, a second copy of graphql
// beside the CommonJS one that type-graphql and Apollo load (graphql 16 has no exports map), and
// graphql refuses a schema from the other copy. Its CommonJS build shares theirs.
const { getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  "graphql-query-complexity",
) as typeof import("graphql-query-complexity");

function selectionDepth(
  set: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  seen: Set<string>,
): number {
  if (!set) return 0;
  let deepest = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith("__")) continue;
      deepest = Math.max(
        deepest,
        (sel.selectionSet ? 1 : 0) + selectionDepth(sel.selectionSet, fragments, seen),
      );
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(sel.selectionSet, fragments, seen));
    } else {
      const name = sel.name.value;
      const frag = fragments[name];
      if (!frag || seen.has(name)) continue;
      seen.add(name);
      deepest = Math.max(deepest, selectionDepth(frag.selectionSet, fragments, seen));
      seen.delete(name);
    }
  }
  return deepest;
}

/**
 * Throws QUERY_TOO_COMPLEX when the operation to run nests deeper than `max` object levels
 * (fragments followed, introspection fields not counted).
 */
export function checkDepth(document: DocumentNode, operationName: string | undefined, max: number): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  const operations: OperationDefinitionNode[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
    else if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
  }
  const op = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!op) return 0;
  const depth = selectionDepth(op.selectionSet, fragments, new Set()) + 1;
  if (depth > max) throw new QueryTooComplexError(`query is ${depth} levels deep; the limit is ${max}`);
  return depth;
}

// A list field costs its children once per item it may return: `first` (or `limit`) says how many.
const listEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const n =
    typeof args.first === "number"
      ? args.first
      : typeof args.depth === "number"
        ? args.depth * 10
        : undefined;
  if (n === undefined) return undefined;
  return 1 + Math.max(1, n) * Math.max(1, childComplexity);
};

/** Estimates an operation's cost and throws QUERY_TOO_COMPLEX above `max`. */
export function checkCost(
  schema: GraphQLSchema,
  query: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  max: number,
): number {
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query,
      variables,
      ...(operationName ? { operationName } : {}),
      estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (err) {
    // The estimate coerces the variables before execution would: a variable of the wrong type is
    // the client's mistake, not the server's.
    if (err instanceof GraphQLError) throw new ShopmindError("BAD_USER_INPUT", err.message);
    throw err;
  }
  if (cost > max)
    throw new QueryTooComplexError(
      `query costs ${cost}; the limit is ${max} (ask for fewer items with \`first\`)`,
    );
  return cost;
}
