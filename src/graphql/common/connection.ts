/**
 * Relay connections: opaque cursors, `first`/`after` validated against Settings.maxPageSize, and
 * one generic type factory so that every list that can grow pages the same way.
 */
import { type ClassType, Field, ObjectType } from "type-graphql";
import { InputError } from "../../errors.js";

@ObjectType({ description: "Where a page sits in its list." })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor!: string | null;
}

export type Edge<T> = { cursor: string; node: T };
export type ConnectionShape<T> = { edges: Edge<T>[]; pageInfo: PageInfo };

/** Builds `<Name>Edge` and `<Name>Connection` object types for a node type. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/** Encodes a sort key as an opaque cursor. */
export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** Decodes a cursor made by encodeCursor, checking it holds the expected kind of key. */
export function decodeCursor<K extends "string" | "number">(
  cursor: string,
  kind: K,
  field = "after",
): K extends "string" ? string : number {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof value === kind) return value as K extends "string" ? string : number;
  } catch {
    // fall through to the error below
  }
  throw new InputError(field, "is not a cursor this list gave out");
}

/** Validates `first`; null or undefined gives `fallback`. */
export function pageSize(
  first: number | null | undefined,
  max: number,
  fallback = 20,
  field = "first",
): number {
  if (first === null || first === undefined) return Math.min(fallback, max);
  if (!Number.isInteger(first) || first < 0) throw new InputError(field, "must be a non-negative integer");
  if (first > max) throw new InputError(field, `must be at most ${max}`);
  return first;
}

/** Turns rows fetched with one extra (take: n + 1) into a connection. */
export function toConnection<T>(rows: T[], n: number, key: (row: T) => string | number): ConnectionShape<T> {
  const page = rows.slice(0, n);
  const edges = page.map((node) => ({ cursor: encodeCursor(key(node)), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > n, endCursor: edges.at(-1)?.cursor ?? null } };
}
