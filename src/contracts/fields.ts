/**
 * The canonical tables shopmind ingests (docs/ingest.md): their fields, types, rules and the
 * other spellings of each column that readers map onto them.
 */

export const KINDS = ["products", "events", "judgements"] as const;
export type Kind = (typeof KINDS)[number];

export const EVENT_TYPES = ["view", "click", "add_to_cart", "purchase", "search"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Event types about one product; a search names none. */
export const ITEM_EVENT_TYPES: readonly EventType[] = ["view", "click", "add_to_cart", "purchase"];

/**
 * How a field's value is read: `id` (trimmed identifier), `text` (NFKC, whitespace folded),
 * `category` (a `>` path), `number`, `integer`, `timestamp` (UTC), `enum`, `attributes`
 * (key/value map), `url`, `currency` (ISO 4217), `language` (BCP 47-ish code).
 */
export type FieldType =
  | "id"
  | "text"
  | "category"
  | "number"
  | "integer"
  | "timestamp"
  | "enum"
  | "attributes"
  | "url"
  | "currency"
  | "language";

export type FieldSpec = {
  readonly name: string;
  readonly type: FieldType;
  /** The name GraphQL inputs use for it (errors name the field this way). */
  readonly graphql: string;
  readonly required?: boolean;
  /** Required only for these event types (events' item_id and query). */
  readonly requiredFor?: readonly EventType[];
  readonly aliases: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Longest accepted text, in characters after normalisation. */
  readonly maxLength?: number;
  readonly values?: readonly string[];
  readonly valueAliases?: Readonly<Record<string, string>>;
  readonly doc: string;
};

export type TableContract = {
  readonly kind: Kind;
  readonly fields: readonly FieldSpec[];
  /** Fields that identify a row: a repeated key within one file keeps the last row. */
  readonly key: readonly string[];
  /** Source columns matching no field: folded into `attributes`, or ignored. */
  readonly extras: "attributes" | "ignore";
};

const ITEM_ALIASES = ["product_id", "product_uid", "sku", "asin", "itemid", "item", "iid", "productid"];
const USER_ALIASES = [
  "user",
  "uid",
  "customer_id",
  "userid",
  "visitor_id",
  "visitorid",
  "reviewer_id",
  "reviewerid",
];
const QUERY_ALIASES = ["search_term", "q", "keyword", "keywords", "search_query"];

const ID_LENGTH = 256;

export const PRODUCTS: TableContract = {
  kind: "products",
  key: ["item_id"],
  extras: "attributes",
  fields: [
    {
      name: "item_id",
      type: "id",
      graphql: "id",
      required: true,
      aliases: [...ITEM_ALIASES, "id"],
      maxLength: ID_LENGTH,
      doc: "The shop's product identifier.",
    },
    {
      name: "title",
      type: "text",
      graphql: "title",
      required: true,
      aliases: ["product_title", "name", "product_name", "item_title"],
      maxLength: 1000,
      doc: "Product title.",
    },
    {
      name: "description",
      type: "text",
      graphql: "description",
      aliases: ["product_description", "desc", "body", "long_description"],
      maxLength: 20_000,
      doc: "Long description.",
    },
    {
      name: "brand",
      type: "text",
      graphql: "brand",
      aliases: ["brand_name", "manufacturer", "maker"],
      maxLength: 200,
      doc: "Brand.",
    },
    {
      name: "category",
      type: "category",
      graphql: "category",
      aliases: ["category_path", "categories", "cat", "product_category", "category_name"],
      maxLength: 1000,
      doc: "Category path from the root, levels joined by ' > '.",
    },
    {
      name: "price",
      type: "number",
      graphql: "price",
      min: 0,
      max: 1e9,
      aliases: ["unit_price", "sale_price", "list_price", "amount"],
      doc: "Price in `currency`; symbols, codes and thousands separators are read.",
    },
    {
      name: "currency",
      type: "currency",
      graphql: "currency",
      aliases: ["currency_code", "cur"],
      doc: "ISO 4217 code; else from the price's symbol; else the default currency.",
    },
    {
      name: "stock",
      type: "integer",
      graphql: "stock",
      min: 0,
      max: 1e9,
      aliases: ["inventory", "stock_quantity", "qty_in_stock", "quantity_in_stock"],
      doc: "Units in stock.",
    },
    {
      name: "attributes",
      type: "attributes",
      graphql: "attributes",
      aliases: ["attrs", "properties", "specs", "specifications"],
      maxLength: 20_000,
      doc: "Key/value map; unknown source columns are folded in.",
    },
    {
      name: "image_url",
      type: "url",
      graphql: "imageUrl",
      aliases: ["image", "img", "image_link", "imurl", "img_url", "picture"],
      maxLength: 2048,
      doc: "http(s) URL of the main image.",
    },
    {
      name: "language",
      type: "language",
      graphql: "language",
      aliases: ["lang", "locale"],
      maxLength: 35,
      doc: "Language code; when missing, zh if the title has CJK characters, else en.",
    },
  ],
};

export const EVENTS: TableContract = {
  kind: "events",
  key: [],
  extras: "ignore",
  fields: [
    {
      name: "user_id",
      type: "id",
      graphql: "userId",
      required: true,
      aliases: USER_ALIASES,
      maxLength: ID_LENGTH,
      doc: "Who acted; users are created on first sight.",
    },
    {
      name: "session_id",
      type: "id",
      graphql: "sessionId",
      aliases: ["session", "sessionid", "sid", "visit_id"],
      maxLength: ID_LENGTH,
      doc: "Browsing session.",
    },
    {
      name: "item_id",
      type: "id",
      graphql: "productId",
      requiredFor: ITEM_EVENT_TYPES,
      aliases: ITEM_ALIASES,
      maxLength: ID_LENGTH,
      doc: "Product acted on; required for every event type but search; must be in the catalog.",
    },
    {
      name: "event_type",
      type: "enum",
      graphql: "type",
      required: true,
      aliases: ["event", "type", "action", "behavior", "behavior_type", "behaviour"],
      values: EVENT_TYPES,
      valueAliases: {
        pv: "view",
        page_view: "view",
        pageview: "view",
        impression: "view",
        detail: "view",
        clk: "click",
        cart: "add_to_cart",
        addtocart: "add_to_cart",
        add: "add_to_cart",
        add_to_basket: "add_to_cart",
        buy: "purchase",
        order: "purchase",
        transaction: "purchase",
        checkout: "purchase",
        query: "search",
      },
      doc: "view, click, add_to_cart, purchase or search (common spellings mapped).",
    },
    {
      name: "timestamp",
      type: "timestamp",
      graphql: "timestamp",
      required: true,
      aliases: ["ts", "time", "event_time", "datetime", "date", "created_at", "event_timestamp", "unix_time"],
      doc: "When it happened: ISO 8601 (naive = UTC) or epoch seconds/milliseconds; stored as UTC.",
    },
    {
      name: "query",
      type: "text",
      graphql: "query",
      requiredFor: ["search"],
      aliases: QUERY_ALIASES,
      maxLength: 1000,
      doc: "Search text; required for search events.",
    },
    {
      name: "price",
      type: "number",
      graphql: "price",
      min: 0,
      max: 1e9,
      aliases: ["unit_price", "amount"],
      doc: "Price paid or shown.",
    },
    {
      name: "quantity",
      type: "integer",
      graphql: "quantity",
      min: 1,
      max: 100_000,
      aliases: ["qty", "count", "units"],
      doc: "Units; at least 1.",
    },
  ],
};

export const JUDGEMENTS: TableContract = {
  kind: "judgements",
  key: ["query", "item_id"],
  extras: "ignore",
  fields: [
    {
      name: "query",
      type: "text",
      graphql: "query",
      required: true,
      aliases: QUERY_ALIASES,
      maxLength: 1000,
      doc: "Search text.",
    },
    {
      name: "item_id",
      type: "id",
      graphql: "productId",
      required: true,
      aliases: ITEM_ALIASES,
      maxLength: ID_LENGTH,
      doc: "Judged product; must be in the catalog.",
    },
    {
      name: "relevance",
      type: "number",
      graphql: "relevance",
      required: true,
      min: 0,
      max: 100,
      aliases: ["label", "score", "grade", "rating", "rel"],
      doc: "Graded relevance, larger is more relevant (0 to 100).",
    },
  ],
};

export const CONTRACTS: Readonly<Record<Kind, TableContract>> = {
  products: PRODUCTS,
  events: EVENTS,
  judgements: JUDGEMENTS,
};

/** Other names of the kinds the CLI accepts. */
export const KIND_ALIASES: Readonly<Record<string, Kind>> = {
  queries: "judgements",
  judgments: "judgements",
  catalog: "products",
};

/** The contract of `kind` (or one of its aliases); undefined when there is none. */
export function contractFor(kind: string): TableContract | undefined {
  const name = (KIND_ALIASES[kind] ?? kind) as Kind;
  return (CONTRACTS as Record<string, TableContract>)[name];
}

/**
 * Column names as compared for mapping: camelCase split, lower case, runs of other characters
 * folded to `_` ("Product ID", "productId" and "product_id" are one name).
 */
export function normaliseColumnName(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^0-9a-z]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/** The index of each field of `contract` by name. */
export function fieldIndex(contract: TableContract): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  contract.fields.forEach((f, i) => {
    out[f.name] = i;
  });
  return out;
}
