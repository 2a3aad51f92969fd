/**
 * What clients see of an error: a message, `extensions.code` and, where one input caused it,
 * `extensions.field`. Unexpected errors become INTERNAL_SERVER_ERROR with no stack or detail.
 */

import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { GraphQLError } from "graphql";
import { type ErrorCode, ShopmindError } from "../errors.js";

/** HTTP status for errors raised before execution (context creation). */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  QUERY_TOO_COMPLEX: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
};

/** Turns a ShopmindError into a GraphQLError carrying its code and field. */
export function toGraphQLError(err: ShopmindError): GraphQLError {
  const status = HTTP_STATUS[err.code];
  return new GraphQLError(err.message, {
    extensions: {
      code: err.code,
      ...(err.field ? { field: err.field } : {}),
      ...(err.details ? { details: err.details } : {}),
      ...(status ? { http: { status } } : {}),
    },
  });
}

// Codes raised by graphql-js and Apollo themselves, whose messages are meant for clients.
const CLIENT_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "QUERY_TOO_COMPLEX",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "PAYLOAD_TOO_LARGE",
]);

/** Apollo's formatError: keeps client errors, hides everything else. */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: (err: unknown) => void,
): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof ShopmindError) {
    return {
      message: original.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: original.code,
        ...(original.field ? { field: original.field } : {}),
        ...(original.details ? { details: original.details } : {}),
      },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && CLIENT_CODES.has(code)) {
    const { stacktrace: _drop, http: _http, ...rest } = formatted.extensions ?? {};
    return { ...formatted, extensions: rest };
  }
  // graphql-js variable coercion errors carry no code but are the client's doing.
  if (original instanceof GraphQLError && !original.originalError && !formatted.path) {
    return {
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: "BAD_USER_INPUT" },
    };
  }
  log(original);
  return {
    message: "internal error",
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}
