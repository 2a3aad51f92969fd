"""Search queries built from real product attributes, with graded relevance judgements.

A query is a handful of constraints (leaf category, brand, colour, material, maximum price)
rendered as text. Relevance follows from the constraints alone, so it is checkable:
3 = same language and leaf, every constraint met; 2 = same leaf, exactly one missed;
1 = same leaf with more missed, or same top category; 0 = another top category.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa

from shopmind.contracts.tables import JUDGEMENTS
from shopmind.errors import InvalidArgument
from shopmind.synth.catalog import BRAND_NAMES, COLOR_NAMES, MATERIAL_NAMES, Catalog, attr_values
from shopmind.synth.config import SynthConfig
from shopmind.synth.rng import stream
from shopmind.synth.vocab import LEAF_TOP, LEAVES

_NICE_PRICES = np.array(
    [
        5,
        10,
        15,
        20,
        25,
        30,
        40,
        50,
        60,
        75,
        100,
        150,
        200,
        250,
        300,
        400,
        500,
        600,
        750,
        1000,
        1500,
        2000,
        2500,
        3000,
        5000,
        10000,
        20000,
        50000,
        100000,
    ],
    dtype=np.float64,
)
# (template, needs) pairs; placeholders name the constraint they add.
_EN_TEMPLATES = (
    ("{color} {word}", 3.0),
    ("{brand} {word}", 2.0),
    ("{word} under {price}", 1.5),
    ("{brand} {word} under {price}", 1.0),
    ("{color} {material} {word}", 1.0),
    ("{material} {word}", 1.0),
    ("{brand} {color} {word}", 1.0),
    ("{color} {word} under {price}", 1.0),
)
_ZH_TEMPLATES = (
    ("{word} {color}", 3.0),
    ("{brand} {word}", 2.0),
    ("{word} {price}元以下", 1.5),
    ("{brand}{word} {color}", 1.0),
    ("{material}{word}", 1.0),
)
MAX_RELEVANT = 100
N_PARTIAL, N_WEAK, N_NEGATIVE = 10, 5, 10


@dataclass(frozen=True)
class QuerySpec:
    """One query and the constraints it stands for (None: not constrained).

    ``color`` and ``material`` are canonical English names (``COLOR_NAMES``); ``brand`` is the
    brand as written on products; ``max_price`` is in ``currency``; ``category`` is the leaf
    path in the query's language and ``leaf`` its index in ``vocab.LEAVES``.
    """

    text: str
    language: str
    leaf: int
    category: str
    brand: str | None
    color: str | None
    material: str | None
    max_price: float | None
    currency: str
    seed_item: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class QuerySet:
    """Queries, their judgements, and the pools the event generator draws search results from.

    ``judged`` is a list of (query index, item index, relevance) triples as three arrays.
    """

    specs: list[QuerySpec]
    judged: tuple[np.ndarray, np.ndarray, np.ndarray]
    popularity: np.ndarray

    def table(self, catalog: Catalog) -> pa.Table:
        """The judgements table: query, item_id, relevance."""
        q, i, r = self.judged
        texts = pa.array([s.text for s in self.specs], pa.string())
        ids = pa.array(catalog.item_ids, pa.string())
        return pa.table(
            {
                "query": texts.take(pa.array(q)),
                "item_id": ids.take(pa.array(i)),
                "relevance": r.astype(np.float64),
            },
            schema=JUDGEMENTS.arrow_schema(),
        )


def violations(spec: QuerySpec, catalog: Catalog, items: np.ndarray) -> np.ndarray:
    """(len(items),) number of the query's brand/colour/material/price constraints each misses."""
    miss = np.zeros(len(items), dtype=np.int64)
    if spec.brand is not None:
        miss += catalog.brand[items] != BRAND_NAMES.index(spec.brand)
    if spec.color is not None:
        miss += catalog.color[items] != COLOR_NAMES.index(spec.color)
    if spec.material is not None:
        miss += catalog.material[items] != MATERIAL_NAMES.index(spec.material)
    if spec.max_price is not None:
        miss += catalog.price[items] > spec.max_price
    return miss


def build_queries(config: SynthConfig, catalog: Catalog) -> QuerySet:
    """Draw ``config.n_queries`` distinct queries from popular products and judge them."""
    rng = stream(config.seed, "queries")
    specs: list[QuerySpec] = []
    seen: set[str] = set()
    attempts = 0
    cdf = np.cumsum(catalog.popularity)
    while len(specs) < config.n_queries:
        attempts += 1
        if attempts > 50 * config.n_queries + 1000:
            raise InvalidArgument(
                f"n_queries must be at most the distinct queries {config.n_items} items yield; "
                f"found {len(specs)} of {config.n_queries}",
                argument="n_queries",
            )
        # Popular products are searched for more often.
        item = min(
            int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(catalog) - 1
        )
        spec = _make_spec(rng, catalog, item)
        if spec is not None and spec.text not in seen:
            seen.add(spec.text)
            specs.append(spec)

    by_lang_leaf: dict[tuple[int, int], np.ndarray] = {}
    for key in set(zip(catalog.lang.tolist(), catalog.leaf.tolist(), strict=True)):
        by_lang_leaf[key] = np.flatnonzero((catalog.lang == key[0]) & (catalog.leaf == key[1]))
    qs, its, rels = [], [], []
    for qi, spec in enumerate(specs):
        items, rel = _judge(rng, catalog, spec, by_lang_leaf)
        qs.append(np.full(len(items), qi))
        its.append(items)
        rels.append(rel)
    judged = (
        np.concatenate(qs or [np.zeros(0, np.int64)]).astype(np.int64),
        np.concatenate(its or [np.zeros(0, np.int64)]).astype(np.int64),
        np.concatenate(rels or [np.zeros(0, np.int64)]).astype(np.int64),
    )
    ranks = rng.permutation(len(specs)) + 1.0
    popularity = ranks**-0.9 / (ranks**-0.9).sum() if specs else np.zeros(0)
    return QuerySet(specs, judged, popularity)


def _make_spec(rng: np.random.Generator, catalog: Catalog, item: int) -> QuerySpec | None:
    zh = bool(catalog.lang[item] == 1)
    leaf = int(catalog.leaf[item])
    values = {k: v for k, _, v in attr_values(leaf, catalog.attr_idx[item], zh)}
    templates = [
        (t, w)
        for t, w in (_ZH_TEMPLATES if zh else _EN_TEMPLATES)
        if ("{color}" not in t or "color" in values)
        and ("{material}" not in t or "material" in values)
    ]
    weights = np.array([w for _, w in templates])
    template = templates[int(rng.choice(len(templates), p=weights / weights.sum()))][0]
    words = LEAVES[leaf].words_zh if zh else LEAVES[leaf].words
    price = float(catalog.price[item])
    # Headroom above the seed's price, rounded to what people type ("under 50").
    at = int(np.searchsorted(_NICE_PRICES, price * rng.uniform(1.0, 1.6)))
    limit = float(_NICE_PRICES[min(at, len(_NICE_PRICES) - 1)])
    if limit < price:
        return None
    brand = BRAND_NAMES[int(catalog.brand[item])]
    fields = {
        "word": words[int(rng.integers(len(words)))],
        "brand": brand,
        "color": values.get("color", ""),
        "material": values.get("material", ""),
        "price": f"{limit:g}",
    }
    text = template.format(**fields)
    text = text if zh else text.lower()
    return QuerySpec(
        text=text,
        language="zh" if zh else "en",
        leaf=leaf,
        category=LEAVES[leaf].category(zh),
        brand=brand if "{brand}" in template else None,
        color=COLOR_NAMES[int(catalog.color[item])] if "{color}" in template else None,
        material=(
            MATERIAL_NAMES[int(catalog.material[item])] if "{material}" in template else None
        ),
        max_price=limit if "{price}" in template else None,
        currency="CNY" if zh else "USD",
        seed_item=catalog.item_ids[item],
    )


def _judge(
    rng: np.random.Generator,
    catalog: Catalog,
    spec: QuerySpec,
    by_lang_leaf: dict[tuple[int, int], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    lang = 1 if spec.language == "zh" else 0
    in_leaf = by_lang_leaf[(lang, spec.leaf)]
    miss = violations(spec, catalog, in_leaf)
    exact = in_leaf[miss == 0]
    # Keep the most popular exact matches when there are very many; ties broken by index.
    exact = exact[np.lexsort((exact, -catalog.popularity[exact]))][:MAX_RELEVANT]
    partial = _pick(rng, in_leaf[miss == 1], N_PARTIAL)
    same_top = np.flatnonzero(
        (catalog.lang == lang) & (catalog.top == LEAF_TOP[spec.leaf]) & (catalog.leaf != spec.leaf)
    )
    weak = _pick(rng, np.concatenate([in_leaf[miss >= 2], same_top]), N_WEAK)
    other = np.flatnonzero((catalog.lang == lang) & (catalog.top != LEAF_TOP[spec.leaf]))
    negative = _pick(rng, other, N_NEGATIVE)
    items = np.concatenate([exact, partial, weak, negative]).astype(np.int64)
    rel = np.concatenate(
        [
            np.full(len(exact), 3),
            np.full(len(partial), 2),
            np.full(len(weak), 1),
            np.full(len(negative), 0),
        ]
    ).astype(np.int64)
    return items, rel


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    if len(pool) <= k:
        return np.sort(pool)
    return np.sort(rng.choice(pool, size=k, replace=False))
