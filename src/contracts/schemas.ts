/**
 * zod row schemas and per-row validators on plain objects, for every input edge that is not a
 * file: GraphQL mutations, tests, scripts. They map the keys (canonical names, GraphQL names and
 * aliases) onto the contract and run the same `RowChecker` the file readers run, so a row is
 * judged alike whichever way it comes in.
 */
import { z } from "zod";
import {
  type Check,
  extrasAsAttributes,
  isBlank,
  makeRules,
  RowChecker,
  RowIssue,
  type Rules,
} from "./check.js";
import {
  EVENTS,
  type EventType,
  JUDGEMENTS,
  type Kind,
  normaliseColumnName,
  PRODUCTS,
  type TableContract,
} from "./fields.js";
import type { Attributes } from "./normalise.js";

export type ProductRow = {
  item_id: string;
  title: string;
  description: string | null;
  brand: string | null;
  category: string | null;
  price: number | null;
  currency: string | null;
  stock: number | null;
  attributes: Attributes | null;
  image_url: string | null;
  language: string;
};

export type EventRow = {
  user_id: string;
  session_id: string | null;
  item_id: string | null;
  event_type: EventType;
  timestamp: Date;
  query: string | null;
  price: number | null;
  quantity: number | null;
};

export type JudgementRow = { query: string; item_id: string; relevance: number };

export type Issue = { field: string; check: Check; reason: string };
export type ParseResult<T> = { ok: true; row: T } | { ok: false; issues: Issue[] };

/** Rules whose `now` is the moment of each check (for long-lived schemas). */
export function liveRules(options: Parameters<typeof makeRules>[0] = {}): Rules {
  const base = makeRules(options);
  return {
    get now() {
      return Date.now();
    },
    maxFutureMs: base.maxFutureMs,
    minTime: base.minTime,
    defaultCurrency: base.defaultCurrency,
  };
}

type KeyPlan = { byKey: Map<string, number> };
const plans = new Map<Kind, KeyPlan>();

/** Which field each spelling of a key names (canonical names first, then GraphQL names, then aliases). */
function keyPlan(contract: TableContract): KeyPlan {
  let plan = plans.get(contract.kind);
  if (plan) return plan;
  const byKey = new Map<string, number>();
  const add = (key: string, field: number) => {
    const k = normaliseColumnName(key);
    if (!byKey.has(k)) byKey.set(k, field);
  };
  for (const [i, f] of contract.fields.entries()) add(f.name, i);
  for (const [i, f] of contract.fields.entries()) add(f.graphql, i);
  for (const [i, f] of contract.fields.entries()) for (const a of f.aliases) add(a, i);
  plan = { byKey };
  plans.set(contract.kind, plan);
  return plan;
}

/**
 * A plain object's values aligned with the contract's fields, plus the keys that name no field.
 * A field named twice (`id` and `item_id`) with different values is an issue.
 */
export function alignObject(
  contract: TableContract,
  input: Record<string, unknown>,
): { values: unknown[]; extraNames: string[]; extraValues: unknown[]; issues: Issue[] } {
  const plan = keyPlan(contract);
  const values: unknown[] = new Array(contract.fields.length).fill(undefined);
  const given: Array<string | undefined> = new Array(contract.fields.length).fill(undefined);
  const extraNames: string[] = [];
  const extraValues: unknown[] = [];
  const issues: Issue[] = [];
  for (const key of Object.keys(input)) {
    const i = plan.byKey.get(normaliseColumnName(key));
    if (i === undefined) {
      extraNames.push(key);
      extraValues.push(input[key]);
      continue;
    }
    const v = input[key];
    const before = given[i];
    if (before === undefined || isBlank(values[i])) {
      values[i] = v;
      given[i] = key;
    } else if (!isBlank(v) && JSON.stringify(v) !== JSON.stringify(values[i])) {
      const name = contract.fields[i]!.name;
      issues.push({
        field: name,
        check: "bad_format",
        reason: `${name}: given twice, as ${before} and ${key}`,
      });
    }
  }
  return { values, extraNames, extraValues, issues };
}

function toObject(contract: TableContract, values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  contract.fields.forEach((f, i) => {
    const v = values[i];
    out[f.name] = f.type === "timestamp" && typeof v === "number" ? new Date(v) : (v ?? null);
  });
  return out;
}

/** A zod schema of one contract's rows: any object in, the canonical row out. */
export function rowSchema<T>(contract: TableContract, rules: Rules = liveRules()) {
  const checker = new RowChecker(contract, rules);
  return z.record(z.string(), z.unknown()).transform((input, ctx): T => {
    const aligned = alignObject(contract, input);
    const extras =
      contract.extras === "attributes" ? extrasAsAttributes(aligned.extraNames, aligned.extraValues) : null;
    const all: RowIssue[] = [];
    const result = checker.check(aligned.values, extras, all);
    const issues: Issue[] = [...aligned.issues, ...all];
    if (issues.length > 0 || result instanceof RowIssue) {
      for (const issue of issues)
        ctx.addIssue({
          code: "custom",
          path: [issue.field],
          message: issue.reason,
          params: { check: issue.check },
        });
      return z.NEVER;
    }
    return toObject(contract, result) as T;
  });
}

export const ProductRowSchema = rowSchema<ProductRow>(PRODUCTS);
export const EventRowSchema = rowSchema<EventRow>(EVENTS);
export const JudgementRowSchema = rowSchema<JudgementRow>(JUDGEMENTS);

type RowSchema<T> = ReturnType<typeof rowSchema<T>>;

function parseWith<T>(schema: RowSchema<T>, raw: unknown): ParseResult<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, row: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => {
      const params = (i as { params?: { check?: Check } }).params;
      const field = i.path.length ? String(i.path[0]) : "_record";
      return {
        field,
        check: params?.check ?? "bad_record",
        reason: params?.check ? i.message : `${field}: expected an object of field values (${i.message})`,
      };
    }),
  };
}

/** Validates one product given as a plain object (any spelling of the keys); never throws. */
export function parseProduct(raw: unknown, rules?: Rules): ParseResult<ProductRow> {
  return parseWith(rules ? rowSchema<ProductRow>(PRODUCTS, rules) : ProductRowSchema, raw);
}

/** Validates one event given as a plain object (any spelling of the keys); never throws. */
export function parseEvent(raw: unknown, rules?: Rules): ParseResult<EventRow> {
  return parseWith(rules ? rowSchema<EventRow>(EVENTS, rules) : EventRowSchema, raw);
}

/** Validates one relevance judgement given as a plain object; never throws. */
export function parseJudgement(raw: unknown, rules?: Rules): ParseResult<JudgementRow> {
  return parseWith(rules ? rowSchema<JudgementRow>(JUDGEMENTS, rules) : JudgementRowSchema, raw);
}
