"""Filters and facets over the catalog a search index was built from.

Filters narrow the candidates before ranking: category (a path prefix, so ``Home`` matches
``Home > Kitchen``), brand (case-insensitive, any of several), price range, in stock, attribute
values. Facets count, over the matching candidates, products per brand, per top-level category
and per price band, so a storefront can draw its filter sidebar from the same call.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from shopmind.errors import InvalidArgument

PRICE_BANDS = (0.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, math.inf)


@dataclass(frozen=True)
class Filters:
    """What a result must satisfy; ``None`` / empty means no constraint."""

    category: str | None = None
    brands: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    in_stock: bool | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("price_min", "price_max"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise InvalidArgument(f"{name} must be a number >= 0, got {value!r}", argument=name)
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_min > self.price_max
        ):
            raise InvalidArgument(
                f"impossible price range: price_min {self.price_min} > price_max {self.price_max}",
                argument="price_min",
            )

    @property
    def empty(self) -> bool:
        return (
            self.category is None
            and not self.brands
            and self.price_min is None
            and self.price_max is None
            and self.in_stock is None
            and not self.attributes
        )

    @classmethod
    def from_pairs(cls, pairs: Sequence[str]) -> Filters:
        """Parse ``key=value`` strings (CLI ``--filter``): category, brand (repeatable),
        price_min, price_max, in_stock, or ``attr.KEY``; an unknown key is an error."""
        values: dict[str, Any] = {"brands": [], "attributes": {}}
        known = {f.name for f in fields(cls)} - {"brands", "attributes"}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key:
                raise InvalidArgument(f"filter {pair!r}: expected KEY=VALUE", argument="filter")
            if key == "brand":
                values["brands"].append(value)
            elif key.startswith("attr."):
                values["attributes"][key[5:]] = value
            elif key in ("price_min", "price_max"):
                try:
                    values[key] = float(value)
                except ValueError as exc:
                    raise InvalidArgument(
                        f"filter {key}: {value!r} is not a number", argument=key
                    ) from exc
            elif key == "in_stock":
                values[key] = value.lower() in ("1", "true", "yes")
            elif key in known:
                values[key] = value
            else:
                raise InvalidArgument(
                    f"unknown filter field {key!r}; use category, brand, price_min, "
                    "price_max, in_stock or attr.KEY",
                    argument="filter",
                )
        values["brands"] = tuple(values["brands"])
        return cls(**values)


class Catalog:
    """The filterable columns of the indexed products, in index order."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.category = [str(r.get("category") or "") for r in rows]
        self.top = [c.split(" > ")[0] if c else "" for c in self.category]
        self.brand = [str(r.get("brand") or "") for r in rows]
        self.brand_key = np.array([b.casefold() for b in self.brand], dtype=object)
        self.price = np.array(
            [np.nan if r.get("price") is None else float(r["price"]) for r in rows],
            dtype=np.float64,
        )
        self.stock = np.array(
            [-1 if r.get("stock") is None else int(r["stock"]) for r in rows], dtype=np.int64
        )
        self._attrs_raw = [r.get("attributes") for r in rows]
        self._attrs: list[dict[str, str]] | None = None
        # facets count integer codes: a Counter over a query's ~1,000 candidates held the
        # interpreter for a few hundred microseconds per request
        self.brand_names, self.brand_code = _codes(self.brand)
        self.top_names, self.top_code = _codes(self.top)

    def _attributes(self) -> list[dict[str, str]]:
        if self._attrs is None:  # parsed on the first attribute filter only
            parsed = []
            for raw in self._attrs_raw:
                try:
                    value = orjson.loads(raw) if raw else {}
                except orjson.JSONDecodeError:
                    value = {}
                parsed.append(
                    {str(k).casefold(): str(v).casefold() for k, v in value.items()}
                    if isinstance(value, dict)
                    else {}
                )
            self._attrs = parsed
        return self._attrs

    def mask(
        self, filters: Filters, rows: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[np.bool_]:
        """True where a product satisfies every filter: (n,) for the catalog, or one value per
        row of ``rows`` (a query's candidate pool, at catalog scale)."""
        pick = range(len(self.category)) if rows is None else rows.tolist()
        sel = slice(None) if rows is None else rows
        keep = np.ones(len(pick), dtype=bool)
        if filters.category:
            prefix = filters.category.strip().casefold()
            keep &= np.array(
                [
                    (c := self.category[i].casefold()) == prefix or c.startswith(prefix + " > ")
                    for i in pick
                ],
                dtype=bool,
            )
        if filters.brands:
            wanted = {b.casefold() for b in filters.brands}
            keep &= np.array([self.brand_key[i] in wanted for i in pick], dtype=bool)
        price = self.price[sel]
        with np.errstate(invalid="ignore"):
            if filters.price_min is not None:
                keep &= price >= filters.price_min
            if filters.price_max is not None:
                keep &= price <= filters.price_max
        if filters.in_stock is not None:
            stock = self.stock[sel]
            keep &= (stock > 0) if filters.in_stock else (stock == 0)
        if filters.attributes:
            attrs = self._attributes()
            want = {k.casefold(): v.casefold() for k, v in filters.attributes.items()}
            keep &= np.array(
                [all(attrs[i].get(k) == v for k, v in want.items()) for i in pick], dtype=bool
            )
        return keep

    def facets(self, rows: npt.NDArray[np.int64], top: int = 10) -> dict[str, Any]:
        """Counts over ``rows`` (the matching candidates): brand, category, price band."""
        prices = self.price[rows]
        bands = []
        for lo, hi in itertools.pairwise(PRICE_BANDS):
            count = int(np.sum((prices >= lo) & (prices < hi)))
            if count:
                bands.append({"min": lo, "max": None if math.isinf(hi) else hi, "count": count})
        return {
            "brand": _most_common(self.brand_code[rows], self.brand_names, top),
            "category": _most_common(self.top_code[rows], self.top_names, top),
            "price": bands,
        }


def _codes(values: Sequence[str]) -> tuple[list[str], npt.NDArray[np.int32]]:
    """Distinct non-empty values and each value's code into them (-1 for empty)."""
    names: dict[str, int] = {}
    codes = np.array([names.setdefault(v, len(names)) if v else -1 for v in values], np.int32)
    return list(names), codes


def _most_common(codes: npt.NDArray[np.int32], names: list[str], top: int) -> list[dict[str, Any]]:
    """The ``top`` most frequent codes as ``{"value", "count"}``, ties in order of first
    appearance (as ``Counter.most_common``)."""
    codes = codes[codes >= 0]
    if codes.shape[0] == 0:
        return []
    values, first, counts = np.unique(codes, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))[:top]
    return [{"value": names[values[i]], "count": int(counts[i])} for i in order]
