"""The canonical tables of docs/data-contracts.md: products, users, events, judgements."""

from __future__ import annotations

from shopmind.contracts.fields import FieldSpec, FieldType, TableContract
from shopmind.errors import InvalidArgument

PII = frozenset({"pii"})
# people's identifiers: pseudonymised at ingest (shopmind.privacy.policy)
PII_ID = frozenset({"pii", "identifier"})
FREE_TEXT = frozenset({"free_text"})
PII_TEXT = frozenset({"pii", "free_text"})

# Alias lists shared by several tables; the generic "id" is added only where it is unambiguous.
ITEM_ALIASES = ("product_id", "product_uid", "sku", "asin", "itemid", "item", "iid", "productid")
USER_ALIASES = (
    "user",
    "uid",
    "customer_id",
    "userid",
    "visitor_id",
    "visitorid",
    "reviewer_id",
    "reviewerid",
)
QUERY_ALIASES = ("search_term", "q", "keyword", "keywords", "search_query")

EVENT_TYPES = ("view", "click", "add_to_cart", "purchase", "search")
#: Event types about one product (a search names none).
ITEM_EVENT_TYPES = tuple(t for t in EVENT_TYPES if t != "search")

PRODUCTS = TableContract(
    kind="products",
    key=("item_id",),
    extras="attributes",
    fields=(
        FieldSpec(
            "item_id",
            FieldType.STRING,
            required=True,
            aliases=(*ITEM_ALIASES, "id"),
            doc="Shop's product identifier.",
        ),
        FieldSpec(
            "title",
            FieldType.STRING,
            required=True,
            aliases=("product_title", "name", "product_name", "item_title"),
            tags=FREE_TEXT,
            doc="Product title.",
        ),
        FieldSpec(
            "description",
            FieldType.STRING,
            aliases=("product_description", "desc", "body", "long_description"),
            tags=FREE_TEXT,
            doc="Long description.",
        ),
        FieldSpec(
            "brand", FieldType.STRING, aliases=("brand_name", "manufacturer", "maker"), doc="Brand."
        ),
        FieldSpec(
            "category",
            FieldType.STRING,
            aliases=("category_path", "categories", "cat", "product_category", "category_name"),
            doc="Category path, levels separated by ' > '.",
        ),
        FieldSpec(
            "price",
            FieldType.FLOAT,
            minimum=0.0,
            aliases=("unit_price", "sale_price", "list_price", "amount"),
            doc="Price in `currency`; symbols and thousands separators are stripped.",
        ),
        FieldSpec(
            "currency",
            FieldType.STRING,
            aliases=("currency_code", "cur"),
            doc="ISO 4217 code; taken from a price symbol or the default setting.",
        ),
        FieldSpec(
            "stock",
            FieldType.INT,
            minimum=0,
            aliases=("inventory", "stock_quantity", "qty_in_stock", "quantity_in_stock"),
            doc="Units in stock.",
        ),
        FieldSpec(
            "attributes",
            FieldType.JSON,
            aliases=("attrs", "properties", "specs", "specifications"),
            doc="Key/value map as a JSON object; unknown source columns are folded in.",
        ),
        FieldSpec(
            "image_url",
            FieldType.STRING,
            aliases=("image", "img", "image_link", "imurl", "img_url", "picture"),
            doc="http(s) URL of the main image.",
        ),
        FieldSpec(
            "language",
            FieldType.STRING,
            aliases=("lang", "locale"),
            doc="Language code; detected from the title when missing (zh or en).",
        ),
    ),
)

USERS = TableContract(
    kind="users",
    key=("user_id",),
    fields=(
        FieldSpec(
            "user_id",
            FieldType.STRING,
            required=True,
            aliases=(*USER_ALIASES, "id"),
            tags=PII_ID,
            doc="Shop's user identifier.",
        ),
        FieldSpec(
            "signup_at",
            FieldType.TIMESTAMP,
            aliases=("created_at", "signup_time", "registered_at", "signup_date"),
            doc="When the account was created (UTC).",
        ),
        FieldSpec(
            "country", FieldType.STRING, aliases=("country_code",), tags=PII, doc="Country code."
        ),
        FieldSpec(
            "segment",
            FieldType.STRING,
            aliases=("tier", "user_segment"),
            doc="Shop-defined segment.",
        ),
    ),
)

EVENTS = TableContract(
    kind="events",
    key=("user_id", "session_id", "item_id", "event_type", "timestamp", "query"),
    fields=(
        FieldSpec(
            "user_id",
            FieldType.STRING,
            required=True,
            aliases=USER_ALIASES,
            tags=PII_ID,
            doc="Who acted.",
        ),
        FieldSpec(
            "session_id",
            FieldType.STRING,
            aliases=("session", "sessionid", "sid", "visit_id"),
            tags=PII_ID,
            doc="Browsing session.",
        ),
        FieldSpec(
            "item_id",
            FieldType.STRING,
            aliases=ITEM_ALIASES,
            required_when=("view", "click", "add_to_cart", "purchase"),
            doc="Product acted on; required for every event type but search.",
        ),
        FieldSpec(
            "event_type",
            FieldType.ENUM,
            required=True,
            aliases=("event", "type", "action", "behavior", "behavior_type", "behaviour"),
            enum=EVENT_TYPES,
            enum_aliases={
                "pv": "view",
                "page_view": "view",
                "pageview": "view",
                "impression": "view",
                "detail": "view",
                "clk": "click",
                "cart": "add_to_cart",
                "addtocart": "add_to_cart",
                "add": "add_to_cart",
                "add_to_basket": "add_to_cart",
                "buy": "purchase",
                "order": "purchase",
                "transaction": "purchase",
                "checkout": "purchase",
                "query": "search",
            },
            doc="One of view, click, add_to_cart, purchase, search.",
        ),
        FieldSpec(
            "timestamp",
            FieldType.TIMESTAMP,
            required=True,
            aliases=(
                "ts",
                "time",
                "event_time",
                "datetime",
                "date",
                "created_at",
                "event_timestamp",
                "unix_time",
            ),
            doc="When it happened: ISO 8601 or epoch seconds/milliseconds, stored as UTC.",
        ),
        FieldSpec(
            "query",
            FieldType.STRING,
            aliases=QUERY_ALIASES,
            required_when=("search",),
            tags=PII_TEXT,
            doc="Search text; required for search events.",
        ),
        FieldSpec(
            "price",
            FieldType.FLOAT,
            minimum=0.0,
            aliases=("unit_price", "amount"),
            doc="Price paid or shown.",
        ),
        FieldSpec(
            "quantity",
            FieldType.INT,
            minimum=1,
            aliases=("qty", "count", "units"),
            doc="Units; at least 1.",
        ),
    ),
)

JUDGEMENTS = TableContract(
    kind="judgements",
    key=("query", "item_id"),
    fields=(
        FieldSpec(
            "query",
            FieldType.STRING,
            required=True,
            aliases=QUERY_ALIASES,
            tags=FREE_TEXT,
            doc="Search text.",
        ),
        FieldSpec(
            "item_id",
            FieldType.STRING,
            required=True,
            aliases=ITEM_ALIASES,
            doc="Judged product.",
        ),
        FieldSpec(
            "relevance",
            FieldType.FLOAT,
            required=True,
            minimum=0.0,
            aliases=("label", "score", "grade", "rating", "rel"),
            doc="Graded relevance; larger is more relevant.",
        ),
    ),
)

CONTRACTS: dict[str, TableContract] = {c.kind: c for c in (PRODUCTS, USERS, EVENTS, JUDGEMENTS)}
# The CLI says "queries" for search judgements.
KIND_ALIASES = {"queries": "judgements", "judgments": "judgements", "catalog": "products"}


def contract_for(kind: str) -> TableContract:
    """The contract for ``kind`` (products, users, events, judgements/queries)."""
    name = KIND_ALIASES.get(kind, kind)
    if name not in CONTRACTS:
        allowed = ", ".join(sorted(set(CONTRACTS) | set(KIND_ALIASES)))
        raise InvalidArgument(
            f"kind {kind!r} is not a known table; expected one of {allowed}", argument="kind"
        )
    return CONTRACTS[name]
