/**
 * Row checks: each field read and normalised by its type, then the rules that span fields
 * (events' required-for-type fields, products' currency and language). A failure names the
 * field, a check code and a reason. The bulk readers call `RowChecker.check` directly (one
 * call per row, no per-field allocations); the zod schemas wrap the same readers.
 */
import type { FieldSpec, TableContract } from "./fields.js";
import {
  type Attributes,
  detectLanguage,
  isWellFormed,
  nfkc,
  normaliseCategory,
  normaliseEnum,
  normaliseId,
  normaliseLanguage,
  normaliseText,
  parseAmount,
  parseAttributes,
  parseInteger,
  parseTimestamp,
  sortKeys,
} from "./normalise.js";

/** The check codes a quarantined row or a rejected input carries (docs/ingest.md). */
export type Check =
  | "missing"
  | "not_a_number"
  | "not_an_integer"
  | "out_of_range"
  | "bad_timestamp"
  | "future_timestamp"
  | "unknown_value"
  | "bad_format"
  | "too_long"
  | "broken_encoding"
  | "bad_record"
  | "duplicate"
  | "superseded"
  | "reference";

/** One failed check: the field at fault (`_record` for the record as a whole), the code, why. */
export class RowIssue {
  constructor(
    readonly field: string,
    readonly check: Check,
    readonly reason: string,
  ) {}
}

/** Run-time bounds of the checks. */
export type Rules = {
  /** Epoch ms the future check counts from (the ingest's start, or the request's time). */
  readonly now: number;
  /** How far past `now` a timestamp may lie, ms. */
  readonly maxFutureMs: number;
  /** Earliest accepted timestamp, epoch ms. */
  readonly minTime: number;
  /** Currency given to priced products that name none; null leaves it empty. */
  readonly defaultCurrency: string | null;
};

export const DEFAULT_RULES = {
  maxFutureSeconds: 86_400,
  minYear: 1990,
  defaultCurrency: "USD",
} as const;

/** Rules from the ingest settings (missing ones take the defaults), counting from `now`. */
export function makeRules(
  options: { maxFutureSeconds?: number; minYear?: number; defaultCurrency?: string | null } = {},
  now: number = Date.now(),
): Rules {
  return {
    now,
    maxFutureMs: (options.maxFutureSeconds ?? DEFAULT_RULES.maxFutureSeconds) * 1000,
    minTime: Date.UTC(options.minYear ?? DEFAULT_RULES.minYear, 0, 1),
    defaultCurrency:
      options.defaultCurrency === undefined ? DEFAULT_RULES.defaultCurrency : options.defaultCurrency,
  };
}

/** A value as shown in a reason: at most 60 characters, JSON-quoted. */
export function shown(value: unknown): string {
  let s: string;
  if (typeof value === "string") s = value;
  else if (value instanceof Date) s = Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  else if (typeof value === "bigint") s = value.toString();
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/** A field's reader: the canonical value, null when absent, or the issue. */
export type FieldReader = (value: unknown) => unknown;

/** Absent: undefined, null or text of whitespace only. */
export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "");
}

function textOf(spec: FieldSpec, v: unknown): string | RowIssue {
  if (typeof v === "string") {
    if (!isWellFormed(v))
      return new RowIssue(spec.name, "broken_encoding", `${spec.name}: not valid Unicode text`);
    return v;
  }
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return new RowIssue(spec.name, "bad_format", `${spec.name}: expected text, got ${shown(v)}`);
}

function tooLong(spec: FieldSpec, s: string): RowIssue | null {
  return spec.maxLength !== undefined && s.length > spec.maxLength
    ? new RowIssue(
        spec.name,
        "too_long",
        `${spec.name}: longer than ${spec.maxLength} characters (${s.length})`,
      )
    : null;
}

function inRange(spec: FieldSpec, n: number, raw: unknown): RowIssue | null {
  if (spec.min !== undefined && n < spec.min)
    return new RowIssue(spec.name, "out_of_range", `${spec.name}: must be >= ${spec.min}, got ${shown(raw)}`);
  if (spec.max !== undefined && n > spec.max)
    return new RowIssue(spec.name, "out_of_range", `${spec.name}: must be <= ${spec.max}, got ${shown(raw)}`);
  return null;
}

/** The reader of one field under `rules`. Blank values read as null (required-ness is checked later). */
export function fieldReader(spec: FieldSpec, rules: Rules): FieldReader {
  const name = spec.name;
  switch (spec.type) {
    case "id":
      return (v) => {
        const t = textOf(spec, v);
        if (t instanceof RowIssue) return t;
        const id = normaliseId(t);
        if (id === null)
          return new RowIssue(name, "bad_format", `${name}: control characters in ${shown(t)}`);
        return id === "" ? null : (tooLong(spec, id) ?? id);
      };
    case "text":
      return (v) => {
        const t = textOf(spec, v);
        if (t instanceof RowIssue) return t;
        const s = normaliseText(t);
        return s === "" ? null : (tooLong(spec, s) ?? s);
      };
    case "category":
      return (v) => {
        const t = Array.isArray(v) ? v : textOf(spec, v);
        if (t instanceof RowIssue) return t;
        const s = normaliseCategory(t as string | unknown[]);
        return s === null ? null : (tooLong(spec, s) ?? s);
      };
    case "number":
      return (v) => {
        let n: number | null = null;
        if (typeof v === "number") n = v;
        else if (typeof v === "bigint") n = Number(v);
        else if (typeof v === "string") {
          const amount = parseAmount(v);
          // Only a price may carry a currency; "3 USD" is no relevance grade.
          if (amount && (amount.currency === null || name === "price")) n = amount.value;
        }
        if (n === null || !Number.isFinite(n))
          return new RowIssue(name, "not_a_number", `${name}: not a number: ${shown(v)}`);
        return inRange(spec, n, v) ?? n;
      };
    case "integer":
      return (v) => {
        const n = parseInteger(v);
        if (n === null || !Number.isSafeInteger(n))
          return new RowIssue(name, "not_an_integer", `${name}: not an integer: ${shown(v)}`);
        return inRange(spec, n, v) ?? n;
      };
    case "timestamp":
      return (v) => {
        const t = parseTimestamp(v);
        if (t === null)
          return new RowIssue(
            name,
            "bad_timestamp",
            `${name}: not a timestamp (ISO 8601 or epoch seconds/ms): ${shown(v)}`,
          );
        if (t > rules.now + rules.maxFutureMs)
          return new RowIssue(
            name,
            "future_timestamp",
            `${name}: more than ${rules.maxFutureMs / 1000} s in the future: ${shown(v)}`,
          );
        if (t < rules.minTime)
          return new RowIssue(
            name,
            "out_of_range",
            `${name}: before ${new Date(rules.minTime).toISOString().slice(0, 10)}: ${shown(v)}`,
          );
        return t;
      };
    case "enum": {
      const values = new Set(spec.values ?? []);
      const aliases = spec.valueAliases ?? {};
      const expected = (spec.values ?? []).join(", ");
      return (v) => {
        if (typeof v === "string") {
          if (values.has(v)) return v;
          const k = normaliseEnum(nfkc(v));
          if (values.has(k)) return k;
          const alias = aliases[k];
          if (alias) return alias;
        }
        return new RowIssue(
          name,
          "unknown_value",
          `${name}: unknown value ${shown(v)}; expected one of ${expected}`,
        );
      };
    }
    case "attributes":
      return (v) => {
        const a = parseAttributes(v);
        if (a === null)
          return new RowIssue(
            name,
            "bad_format",
            `${name}: not a map of scalar values (JSON object or k:v; k:v): ${shown(v)}`,
          );
        if (Object.keys(a).length === 0) return null;
        return tooLong(spec, JSON.stringify(a)) ?? a;
      };
    case "url":
      return (v) => {
        const t = textOf(spec, v);
        if (t instanceof RowIssue) return t;
        const s = nfkc(t).trim();
        if (!/^https?:\/\/\S+$/i.test(s))
          return new RowIssue(name, "bad_format", `${name}: not an http(s) URL: ${shown(v)}`);
        return tooLong(spec, s) ?? s;
      };
    case "currency":
      return (v) => {
        const t = textOf(spec, v);
        if (t instanceof RowIssue) return t;
        const s = nfkc(t).trim().toUpperCase();
        if (!/^[A-Z]{3}$/.test(s))
          return new RowIssue(name, "bad_format", `${name}: not a 3-letter ISO 4217 code: ${shown(v)}`);
        return s;
      };
    case "language":
      return (v) => {
        const t = textOf(spec, v);
        if (t instanceof RowIssue) return t;
        const s = normaliseLanguage(nfkc(t));
        if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(s))
          return new RowIssue(name, "bad_format", `${name}: not a language code: ${shown(v)}`);
        return tooLong(spec, s) ?? s;
      };
  }
}

/** Canonical values of one row, aligned with the contract's fields (timestamps as epoch ms). */
export type CanonicalValues = unknown[];

/**
 * Checks whole rows of one contract. `check` returns the canonical values or the first issue;
 * with `all` it collects every issue (for API inputs, which report them all).
 */
export class RowChecker {
  readonly contract: TableContract;
  private readonly readers: FieldReader[];
  private readonly required: boolean[];
  private readonly at: Record<string, number>;
  private readonly rules: Rules;

  constructor(contract: TableContract, rules: Rules) {
    this.contract = contract;
    this.readers = contract.fields.map((f) => fieldReader(f, rules));
    this.required = contract.fields.map((f) => f.required === true);
    this.at = {};
    contract.fields.forEach((f, i) => {
      this.at[f.name] = i;
    });
    this.rules = rules;
  }

  /**
   * `raw` holds the source value of each field (undefined where the source has none);
   * `extras` are further key/values folded into products' attributes.
   */
  check(
    raw: readonly unknown[],
    extras: Attributes | null = null,
    all: RowIssue[] | null = null,
  ): CanonicalValues | RowIssue {
    const fields = this.contract.fields;
    const out: unknown[] = new Array(fields.length);
    let first: RowIssue | null = null;
    for (let i = 0; i < fields.length; i++) {
      const v = raw[i];
      let value: unknown = null;
      if (isBlank(v)) {
        if (this.required[i]) {
          value = new RowIssue(fields[i]!.name, "missing", `${fields[i]!.name}: required value is missing`);
        }
      } else {
        value = this.readers[i]!(v);
      }
      if (value instanceof RowIssue) {
        if (all === null) return value;
        all.push(value);
        first ??= value;
        value = null;
      }
      out[i] = value;
    }
    const issue = this.finish(out, raw, extras, all);
    return first ?? issue ?? out;
  }

  /** The rules across fields; pushes to `all` (or returns the first). */
  private finish(
    out: unknown[],
    raw: readonly unknown[],
    extras: Attributes | null,
    all: RowIssue[] | null,
  ): RowIssue | null {
    const kind = this.contract.kind;
    if (kind === "events") {
      const type = out[this.at.event_type!];
      if (typeof type !== "string") return null;
      for (const f of this.contract.fields) {
        if (
          f.requiredFor?.includes(type as never) &&
          out[this.at[f.name]!] === null &&
          isBlank(raw[this.at[f.name]!])
        ) {
          const issue = new RowIssue(f.name, "missing", `${f.name}: required for ${type} events`);
          if (all === null) return issue;
          all.push(issue);
        }
      }
      return null;
    }
    if (kind === "products") return this.finishProduct(out, raw, extras, all);
    return null;
  }

  private finishProduct(
    out: unknown[],
    raw: readonly unknown[],
    extras: Attributes | null,
    all: RowIssue[] | null,
  ): RowIssue | null {
    const at = this.at;
    const issues: RowIssue[] = [];
    if (extras) {
      const current = out[at.attributes!] as Attributes | null;
      const merged: Attributes = { ...extras, ...(current ?? {}) };
      out[at.attributes!] = Object.keys(merged).length ? sortKeys(merged) : null;
    }
    const price = out[at.price!];
    if (typeof price === "number") {
      const rawPrice = raw[at.price!];
      const named = typeof rawPrice === "string" ? (parseAmount(rawPrice)?.currency ?? null) : null;
      const given = out[at.currency!] as string | null;
      if (given !== null && named !== null && given !== named) {
        issues.push(
          new RowIssue(
            "currency",
            "bad_format",
            `currency: ${given} disagrees with the price ${shown(rawPrice)}, which is in ${named}`,
          ),
        );
      } else if (given === null) {
        out[at.currency!] = named ?? this.rules.defaultCurrency;
      }
    }
    if (out[at.language!] === null && typeof out[at.title!] === "string") {
      out[at.language!] = detectLanguage(out[at.title!] as string);
    }
    if (issues.length === 0) return null;
    if (all === null) return issues[0]!;
    all.push(...issues);
    return issues[0]!;
  }
}

/** Source values of the extra columns of a product as attributes (blank ones left out). */
export function extrasAsAttributes(names: readonly string[], values: readonly unknown[]): Attributes | null {
  let out: Attributes | null = null;
  for (let i = 0; i < names.length; i++) {
    const v = values[i];
    if (isBlank(v)) continue;
    let value: string | number | boolean;
    if (typeof v === "number" || typeof v === "boolean") value = v;
    else if (typeof v === "string") value = normaliseText(v);
    else if (typeof v === "bigint") value = Number(v);
    else if (v instanceof Date) value = v.toISOString();
    else value = JSON.stringify(v);
    if (value === "") continue;
    out ??= {};
    out[normaliseText(names[i]!)] = value;
  }
  return out;
}
