"""Query understanding, first part: price constraints become filters.

Numbers count as prices only with a price cue (a currency sign or word, or "under"/"over"
style words), so "2x4", "1/2 in." or "18v" are never read as prices. Recognised (English and
Chinese): "under 50", "below $30", "less than 20 dollars", "cheaper than 15", "< 50",
"over 100", "above $20", "more than 10 usd", "> 5", "$50-$100", "50 to 100 dollars",
"50-100 元", "100元以下", "低于100元", "100元以上", "高于50元". The matched words are removed
from the text that is searched. Brands, categories, colours and sizes are the next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"(\d+(?:[.,]\d+)?)"
_CUR = r"(?:\$|usd|dollars?|bucks|元|块|rmb|¥|€|eur|euros?|£|gbp)"
# A number followed by a unit is a size or a capacity, never a price.
_NOT_UNIT = (
    r"(?!\d)(?![.,]\d)"  # the whole number, not a prefix of it
    r"(?!\s*(?:lbs?|pounds?|pcs|pieces?|ft|feet|in\b|inch|gal|oz|mm|cm|m\b|v\b|volts?|w\b|"
    r"watts?|btu|sq|%|x\b|gb|tb|pack|count|ct\b|件|个|片|寸|米|克|升))"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            rf"(?:\$\s*)?{_NUM}\s*{_CUR}?\s*(?:-|–|to|~|至|到)\s*(?:\$\s*)?{_NUM}\s*{_CUR}", re.I
        ),
        "range",
    ),
    (re.compile(rf"\$\s*{_NUM}\s*(?:-|–|to|~)\s*\$?\s*{_NUM}", re.I), "range"),
    # cue words that mean a price on their own
    (
        re.compile(
            rf"(?:under|below|less than|cheaper than|<=?|不超过|低于|少于)"
            rf"\s*(?:\$\s*)?{_NUM}{_NOT_UNIT}\s*{_CUR}?",
            re.I,
        ),
        "max",
    ),
    # cue words that need a currency ("up to 50 lbs" is a capacity)
    (re.compile(rf"(?:up to|max(?:imum)?)\s*(?:\$\s*{_NUM}|{_NUM}\s*{_CUR})", re.I), "max"),
    (re.compile(rf"{_NUM}\s*{_CUR}\s*(?:以下|以内|之内)", re.I), "max"),
    (
        re.compile(
            rf"(?:over|above|more than|>=?|超过|高于|多于)"
            rf"\s*(?:\$\s*)?{_NUM}{_NOT_UNIT}\s*{_CUR}?",
            re.I,
        ),
        "min",
    ),
    (re.compile(rf"(?:at least|min(?:imum)?)\s*(?:\$\s*{_NUM}|{_NUM}\s*{_CUR})", re.I), "min"),
    (re.compile(rf"{_NUM}\s*{_CUR}\s*(?:以上)", re.I), "min"),
]


@dataclass(frozen=True)
class ParsedQuery:
    """``text``: what is left to search; ``price_min``/``price_max``: constraints found;
    ``matched``: the phrases that were read as constraints."""

    text: str
    price_min: float | None = None
    price_max: float | None = None
    matched: tuple[str, ...] = ()


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_query(query: str) -> ParsedQuery:
    """Pull price constraints out of ``query`` (never raises)."""
    text = query
    low = high = None
    matched: list[str] = []
    for pattern, kind in _PATTERNS:
        m = pattern.search(text)
        if m is None:
            continue
        numbers = [_number(g) for g in m.groups() if g is not None]
        if kind == "range":
            low, high = min(numbers), max(numbers)
        elif kind == "max":
            high = numbers[0]
        else:
            low = numbers[0]
        matched.append(m.group(0).strip())
        text = (text[: m.start()] + " " + text[m.end() :]).strip()
    if low is not None and high is not None and low > high:
        low, high = high, low
    return ParsedQuery(" ".join(text.split()), low, high, tuple(matched))
