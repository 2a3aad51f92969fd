/**
 * Value normalisation shared by every reader and by the GraphQL inputs: Unicode NFKC, folded
 * whitespace, prices with their currency, timestamps to UTC, attribute maps. Each function is
 * pure and returns `null` for a value it cannot read (the caller names the check).
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at NUL
const NON_ASCII = /[^\x00-\x7f]/;
// C0/C1 control characters other than tab, line feed and carriage return (folded as spaces):
// PostgreSQL refuses NUL in text, and the others are never meant in shop text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above
const CONTROL_ALL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
/** Whitespace that folding would change: two in a row, or any that is not a plain space. */
const NEEDS_FOLD = /\s\s|[^\S ]/;

type WellFormed = { isWellFormed(): boolean };

/** Whether `s` holds no lone UTF-16 surrogates (text that cannot be stored as UTF-8). */
export function isWellFormed(s: string): boolean {
  return !NON_ASCII.test(s) || (s as unknown as WellFormed).isWellFormed();
}

/** NFKC for non-ASCII text (full-width letters and digits folded); ASCII passes untouched. */
export function nfkc(s: string): string {
  return NON_ASCII.test(s) ? s.normalize("NFKC") : s;
}

/** Printable ASCII words separated by single spaces: text normalisation leaves it as it is. */
const PLAIN_TEXT = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
/** Printable ASCII without spaces at either end: an identifier as it should be. */
const PLAIN_ID = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Free text: NFKC, control characters as spaces, whitespace runs folded to one space, trimmed. */
export function normaliseText(s: string): string {
  if (PLAIN_TEXT.test(s)) return s;
  let t = nfkc(s);
  if (CONTROL.test(t)) t = t.replace(CONTROL_ALL, " ");
  if (NEEDS_FOLD.test(t)) t = t.replace(/\s+/g, " ");
  return t.trim();
}

/** An identifier: NFKC and trimmed; `null` when it holds control characters. */
export function normaliseId(s: string): string | null {
  if (PLAIN_ID.test(s)) return s;
  const t = nfkc(s).trim();
  return CONTROL.test(t) || /[\t\n\r]/.test(t) ? null : t;
}

/** A category path: levels split on `>` (or given as a list), each normalised, joined by ` > `. */
export function normaliseCategory(value: string | readonly unknown[]): string | null {
  const parts = typeof value === "string" ? normaliseText(value).split(">") : value.map((v) => String(v));
  const levels: string[] = [];
  for (const p of parts) {
    const level = normaliseText(p);
    if (level) levels.push(level);
  }
  return levels.length ? levels.join(" > ") : null;
}

const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = {
  $: "USD",
  US$: "USD",
  "€": "EUR",
  "£": "GBP",
  "¥": "CNY",
  元: "CNY",
  RMB: "CNY",
  "₹": "INR",
  "₩": "KRW",
  "₽": "RUB",
  "₺": "TRY",
  "₫": "VND",
  "฿": "THB",
  "₱": "PHP",
  "₪": "ILS",
};

/** The ISO 4217 code a price's symbol or code stands for; undefined when it is neither. */
function currencyOf(token: string): string | undefined {
  if (!token) return undefined;
  const symbol = CURRENCY_SYMBOLS[token] ?? CURRENCY_SYMBOLS[token.toUpperCase()];
  if (symbol) return symbol;
  return /^[A-Za-z]{3}$/.test(token) ? token.toUpperCase() : undefined;
}

const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const AMOUNT = /^([^\d.,]*?)\s*(\d[\d.,\s'\u00a0\u202f]*?)\s*([^\d.,]*)$/;

/** Reads the digits of an amount with its grouping: "1,299.50", "1.299,50", "12,5", "1 299". */
function groupedNumber(body: string): number | null {
  const s = body.replace(/[\s'\u00a0\u202f]/g, "");
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) return Number(s.replace(/,/g, ""));
  if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(s)) return Number(s.replace(/\./g, "").replace(",", "."));
  if (/^\d+,\d{1,2}$/.test(s)) return Number(s.replace(",", "."));
  return null;
}

/**
 * A price as written in shops: "$1,299.00", "12,50 €", "CNY 99", "¥99", "1.299,00 EUR".
 * Returns the amount (negative when signed so; the caller checks the range) and the currency the
 * text names, or `null` when it is not an amount, or names two different currencies.
 */
export function parseAmount(raw: string): { value: number; currency: string | null } | null {
  const text = raw.trim();
  if (PLAIN_NUMBER.test(text)) return { value: Number(text), currency: null };
  let s = nfkc(text);
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    sign = s.startsWith("-") ? -1 : 1;
    s = s.slice(1).trim();
  }
  const m = AMOUNT.exec(s);
  if (!m) return null;
  const [, before = "", body = "", after = ""] = m;
  let prefix = before.trim();
  if (prefix.endsWith("-")) {
    sign = -1;
    prefix = prefix.slice(0, -1).trim();
  }
  const suffix = after.trim();
  const a = prefix ? currencyOf(prefix) : undefined;
  const b = suffix ? currencyOf(suffix) : undefined;
  if ((prefix && !a) || (suffix && !b) || (a && b && a !== b)) return null;
  const value = groupedNumber(body);
  if (value === null) return null;
  return { value: sign * value, currency: a ?? b ?? null };
}

/** An integer from text ("12", "12.0", "1,200") or a number; `null` when it is not one. */
export function parseInteger(value: unknown): number | null {
  if (typeof value === "number") return Number.isInteger(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "string") return null;
  const s = value.trim();
  if (/^[+-]?\d+$/.test(s)) return Number(s);
  if (/^[+-]?\d+\.0*$/.test(s)) return Number.parseInt(s, 10);
  if (/^\d{1,3}(,\d{3})+$/.test(s)) return Number(s.replace(/,/g, ""));
  return null;
}

const ISO =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz]|UTC|GMT)|([+-])(\d{2}):?(\d{2})?)?$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The common shapes without a regex: "YYYY-MM-DDTHH:MM:SS[.mmm]Z" or with a space, no zone or
 * "+00:00"; undefined hands the text to the general parser.
 */
function fastIso(s: string): number | null | undefined {
  const n = s.length;
  if (
    n < 19 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  )
    return undefined;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return undefined;
  let end = n;
  if (s.charCodeAt(n - 1) === 90) end = n - 1;
  else if (n >= 25 && s.endsWith("+00:00")) end = n - 6;
  let ms = 0;
  if (end === 23 && s.charCodeAt(19) === 46) {
    ms = digits(s, 20, 23);
    if (ms < 0) return undefined;
  } else if (end !== 19) return undefined;
  const year = digits(s, 0, 4);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const hour = digits(s, 11, 13);
  const minute = digits(s, 14, 16);
  const second = digits(s, 17, 19);
  if (year < 0 || hour < 0 || minute < 0 || second < 0 || !(month >= 1 && month <= 12)) return undefined;
  if (!(day >= 1 && day <= DAYS[month - 1]!) || hour > 23 || minute > 59 || second > 59) return null;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function isoMillis(s: string): number | null {
  const fast = fastIso(s);
  if (fast !== undefined) return fast;
  const m = ISO.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] ? Number(m[4]) : 0;
  const minute = m[5] ? Number(m[5]) : 0;
  const second = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > DAYS[month - 1]!) return null;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  let offset = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = m[11] ? Number(m[11]) : 0;
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
}

/** Epoch seconds (up to 10 integer digits, decimals allowed) or milliseconds (11 to 13). */
function epochMillis(v: number): number | null {
  if (!Number.isFinite(v) || v < 0) return null;
  if (v < 1e10) return Math.round(v * 1000);
  if (v < 1e13 && Number.isInteger(v)) return v;
  return null;
}

/**
 * A point in time as epoch milliseconds (UTC): ISO 8601 with or without a zone (a naive time is
 * taken as UTC), "YYYY-MM-DD HH:MM:SS", a date alone, epoch seconds or milliseconds as text or
 * number, or a Date. `null` when the value is none of these.
 */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value === "string") {
    const s = value.trim();
    const c = s.charCodeAt(4);
    if (c !== 45 && c !== 47 && (/^\d{1,10}(\.\d+)?$/.test(s) || /^\d{11,13}$/.test(s)))
      return epochMillis(Number(s));
    return isoMillis(s);
  }
  if (typeof value === "number") return epochMillis(value);
  if (typeof value === "bigint") return epochMillis(Number(value));
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** Epoch milliseconds as the ISO 8601 text the catalog stores. */
export function isoString(ms: number): string {
  return new Date(ms).toISOString();
}

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

const PAIR = /\s*([^:=;|]+?)\s*[:=]\s*([^;|]*?)\s*(?:[;|]|$)/g;

/**
 * A key/value map from an object of scalars, a JSON object text, or `k:v; k:v` / `k=v|k=v`
 * text. Keys and text values are normalised, empty values dropped, keys sorted (so equal maps
 * hash alike). `null` when the value is none of these (a nested object, a list, bad text).
 */
export function parseAttributes(value: unknown): Attributes | null {
  let obj: Record<string, unknown>;
  if (typeof value === "string") {
    const s = value.trim();
    if (s.startsWith("{")) {
      try {
        const parsed: unknown = JSON.parse(s);
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return null;
        obj = parsed as Record<string, unknown>;
      } catch {
        return null;
      }
    } else {
      obj = {};
      let consumed = 0;
      for (const m of s.matchAll(PAIR)) {
        obj[m[1]!] = m[2];
        consumed += m[0].length;
      }
      if (consumed !== s.length || Object.keys(obj).length === 0) return null;
    }
  } else if (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    !(value instanceof Date)
  ) {
    obj = value as Record<string, unknown>;
  } else {
    return null;
  }
  const out: Attributes = {};
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    const k = normaliseText(key);
    if (!k) return null;
    if (v === null || v === undefined) continue;
    if (typeof v === "string") {
      const t = normaliseText(v);
      if (t) out[k] = t;
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return null;
      out[k] = v;
    } else if (typeof v === "boolean") {
      out[k] = v;
    } else if (typeof v === "bigint") {
      out[k] = Number(v);
    } else {
      return null;
    }
  }
  return sortKeys(out);
}

/** The same map with its keys in sorted order. */
export function sortKeys(attrs: Attributes): Attributes {
  const out: Attributes = {};
  for (const k of Object.keys(attrs).sort()) out[k] = attrs[k]!;
  return out;
}

/** A language code as stored: lower case, `_` as `-` ("zh_CN" -> "zh-cn"). */
export function normaliseLanguage(s: string): string {
  return s.trim().toLowerCase().replace(/_/g, "-");
}

/** The language of a title when none is given: by its script (kana ja, hangul ko, han zh), else en. */
export function detectLanguage(title: string): string {
  if (!NON_ASCII.test(title)) return "en";
  if (/[\u3040-\u30ff]/.test(title)) return "ja";
  if (/[\uac00-\ud7af]/.test(title)) return "ko";
  if (/[\u3400-\u9fff\uf900-\ufaff]/.test(title)) return "zh";
  return "en";
}

/** An enum value after folding case, spaces and hyphens ("Add to cart" -> "add_to_cart"). */
export function normaliseEnum(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}
