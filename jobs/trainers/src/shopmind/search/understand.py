"""Query understanding, second part: brand, category, colour and size mentions become boosts,
and the query's category intent is read from its own best results.

Mentions are found on analysed terms (the same stemming and folding as the index), as whole
phrases: a brand is mentioned when all its terms appear consecutively in the query ("black &
decker" -> the brand "Black & Decker"); a category when its leaf name does ("running shoes"
-> "Sports > Running Shoes"); colours and sizes from fixed vocabularies (English and Chinese).
Each mention adds a boost to the fused score of the products that carry it
(:data:`BOOSTS`; the fused scale is about 0..1), so a named brand rises without hiding a
better match from another brand: a filter stays the user's explicit choice.

Category intent: the categories of the best :data:`INTENT_DEPTH` fused results, weighted by
1/rank, as shares; a storefront can offer them as "did you mean ... in Shoes?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from shopmind.search.lexical import BM25Index

BOOSTS = {"brand": 0.15, "category": 0.1, "colour": 0.05, "size": 0.05}
INTENT_DEPTH = 20
_EN_COLOURS = (
    "black white grey gray silver red blue navy green yellow orange pink purple brown beige "
    "gold cream ivory tan turquoise teal maroon burgundy khaki olive charcoal bronze copper "
    "chrome nickel clear"
)
_ZH_COLOURS = "黑色 白色 灰色 红色 蓝色 绿色 黄色 粉色 紫色 棕色 金色 银色"
COLOURS = tuple(f"{_EN_COLOURS} {_ZH_COLOURS}".split())
_SIZE = re.compile(
    r"\b(?:size\s*(\d{1,2}(?:\.5)?|xxs|xs|s|m|l|xl|xxl|xxxl)|(xxs|xs|xxl|xxxl|xl))\b|"
    r"(\d{2,3})\s*码",
    re.I,
)


@dataclass
class Understanding:
    """What the query mentions (display strings) and the boost per product."""

    mentions: list[str] = field(default_factory=list)
    boost: npt.NDArray[np.float32] | None = None  # (n,) or None when nothing was recognised


def _phrases(tokens: Sequence[str], length: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + length]) for i in range(len(tokens) - length + 1)}


class QueryUnderstanding:
    """Mention vocabularies of one catalog, built once per index (n products)."""

    def __init__(self, index: BM25Index, brands: Sequence[str], categories: Sequence[str]) -> None:
        """``brands`` and ``categories`` (full paths, "" when unknown) are per product, in
        index order; colours and sizes are looked up in the lexical ``index``."""
        self.index = index
        self.analyzer = analyzer = index.analyzer
        self.n = len(brands)
        self._brand_rows = self._vocabulary(brands)
        leaves = [c.split(" > ")[-1] if c else "" for c in categories]
        self._category_rows = self._vocabulary(leaves)
        self._category_name = {
            tuple(analyzer.tokens(leaf)): path
            for leaf, path in zip(leaves, categories, strict=True)
        }
        self.categories = list(categories)
        self._longest = max((len(k) for k in (*self._brand_rows, *self._category_rows)), default=1)

    def _vocabulary(self, values: Sequence[str]) -> dict[tuple[str, ...], npt.NDArray[np.int64]]:
        rows: dict[tuple[str, ...], list[int]] = {}
        for i, value in enumerate(values):
            key = tuple(self.analyzer.tokens(value)) if value else ()
            if key:
                rows.setdefault(key, []).append(i)
        return {k: np.array(v, np.int64) for k, v in rows.items()}

    def understand(self, text: str) -> Understanding:
        """Mentions in ``text`` and the boost vector they imply (never raises)."""
        tokens = self.analyzer.tokens(text)
        phrases = set().union(*(_phrases(tokens, n) for n in range(1, self._longest + 1)))
        out = Understanding()
        boost = np.zeros(self.n, dtype=np.float32)
        in_brand: set[str] = set()  # "black" in "black & decker" is not a colour
        for key in sorted(phrases & self._brand_rows.keys(), key=len, reverse=True):
            boost[self._brand_rows[key]] += BOOSTS["brand"]
            out.mentions.append(f"brand: {' '.join(key)}")
            in_brand.update(key)
        for key in sorted(phrases & self._category_rows.keys(), key=len, reverse=True):
            boost[self._category_rows[key]] += BOOSTS["category"]
            out.mentions.append(f"category: {self._category_name.get(key, ' '.join(key))}")
        lowered = text.casefold()
        words = set(re.findall(r"\w+", lowered))
        for colour in COLOURS:
            said = colour in words or (not colour.isascii() and colour in lowered)
            said = said and not in_brand.intersection(self.analyzer.tokens(colour))
            if said and self._boost_term(boost, colour, BOOSTS["colour"]):
                out.mentions.append(f"colour: {colour}")
        for m in _SIZE.finditer(text):
            size = next(g for g in m.groups() if g)
            if self._boost_term(boost, size, BOOSTS["size"]):
                out.mentions.append(f"size: {size}")
        if out.mentions:
            out.boost = boost
        return out

    def _boost_term(self, boost: npt.NDArray[np.float32], word: str, amount: float) -> bool:
        """Add ``amount`` to the products whose text has ``word``; False when none has it."""
        terms = self.analyzer.tokens(word)
        tid = self.index.term_ids.get(terms[0]) if len(terms) == 1 else None
        if tid is None:
            return False
        boost[self.index.posting(tid)] += amount
        return True

    def intent(self, rows: npt.NDArray[np.int64], top: int = 3) -> list[dict[str, object]]:
        """Category shares among the best :data:`INTENT_DEPTH` of ``rows`` (best first)."""
        share: dict[str, float] = {}
        for rank, row in enumerate(rows[:INTENT_DEPTH].tolist(), start=1):
            category = self.categories[row]
            if category:
                share[category] = share.get(category, 0.0) + 1.0 / rank
        total = sum(share.values())
        best = sorted(share.items(), key=lambda kv: -kv[1])[:top]
        return [{"category": c, "share": round(v / total, 3)} for c, v in best]
