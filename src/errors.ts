/**
 * The one error tree. Every error a client can see carries a GraphQL `extensions.code` and,
 * where one input caused it, the `field` that did.
 */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "QUERY_TOO_COMPLEX"
  | "PAYLOAD_TOO_LARGE"
  | "UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";

export class ShopmindError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }
}

/** Input that fails validation; `field` is the dotted path of the offending input. */
export class InputError extends ShopmindError {
  constructor(field: string, message: string, details?: Record<string, unknown>) {
    super("BAD_USER_INPUT", `${field}: ${message}`, { field, ...(details ? { details } : {}) });
  }
}

export class NotFoundError extends ShopmindError {
  constructor(what: string, id: string, field?: string) {
    super("NOT_FOUND", `${what} ${JSON.stringify(id)} not found`, field ? { field } : {});
  }
}

export class ConflictError extends ShopmindError {
  constructor(message: string, field?: string) {
    super("CONFLICT", message, field ? { field } : {});
  }
}

export class AuthError extends ShopmindError {
  constructor(message = "a valid API key is required (Authorization: Bearer <key>)") {
    super("UNAUTHENTICATED", message);
  }
}

export class ForbiddenError extends ShopmindError {
  constructor(field: string, needed: string) {
    super("FORBIDDEN", `${field}: needs the ${needed} role`, { field });
  }
}

export class QueryTooComplexError extends ShopmindError {
  constructor(message: string) {
    super("QUERY_TOO_COMPLEX", message);
  }
}

/** Bad settings or a catalog this build cannot use; raised at start-up, never to clients. */
export class ConfigError extends ShopmindError {
  constructor(message: string) {
    super("INTERNAL_SERVER_ERROR", message);
  }
}

/** A file or stream that cannot be read at all (as opposed to single bad rows, which are quarantined). */
export class SourceError extends ShopmindError {
  constructor(message: string, field?: string) {
    super("BAD_USER_INPUT", message, field ? { field } : {});
  }
}

/** Stored bytes that do not match their recorded hash (a torn write, a tampered or corrupt file). */
export class IntegrityError extends ShopmindError {
  constructor(message: string) {
    super("INTERNAL_SERVER_ERROR", message);
  }
}
