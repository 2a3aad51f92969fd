"""The text a product is encoded from: one documented template, hashed for caching.

Template (fields that are empty are left out, with their separator)::

    {title} | {brand} | {category} | {key}: {value}; {key}: {value} ...

Attributes are sorted by key and at most :data:`MAX_ATTRIBUTES` are used, so the same product
always gives the same text. The description is not used: it is long, often boilerplate, and
would push the title's tokens past the encoder's limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import orjson

MAX_ATTRIBUTES = 6
TEMPLATE_VERSION = "1"


def product_text(
    title: str | None,
    brand: str | None = None,
    category: str | None = None,
    attributes: str | Mapping[str, object] | None = None,
) -> str:
    """The encoder input for one product (see the module docstring)."""
    parts = [p.strip() for p in (title or "", brand or "", category or "") if p and p.strip()]
    attrs: Mapping[str, object] = {}
    if isinstance(attributes, str) and attributes.strip():
        try:
            loaded = orjson.loads(attributes)
        except orjson.JSONDecodeError:
            loaded = {}
        attrs = loaded if isinstance(loaded, dict) else {}
    elif isinstance(attributes, Mapping):
        attrs = attributes
    pairs = [f"{k}: {v}" for k, v in sorted(attrs.items()) if v not in (None, "")]
    if pairs:
        parts.append("; ".join(pairs[:MAX_ATTRIBUTES]))
    return " | ".join(parts)


def text_hash(text: str, model_id: str) -> str:
    """Cache key of one encoding: the text, the template version and the encoder id."""
    h = hashlib.blake2b(digest_size=16)
    h.update(model_id.encode())
    h.update(b"\0" + TEMPLATE_VERSION.encode() + b"\0")
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()
