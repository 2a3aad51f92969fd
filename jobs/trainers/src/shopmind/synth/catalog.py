"""The product catalogue: leaves, brands, attributes, prices, stock and Zipf popularity.

Numbers are drawn vectorised; only the text of each product is built in a Python loop, which
is cheap next to events because a shop has far fewer products than events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from shopmind.contracts.tables import PRODUCTS
from shopmind.synth.config import SynthConfig
from shopmind.synth.rng import stream, zipf_weights
from shopmind.synth.vocab import LEAF_TOP, LEAVES, SIZE_SUFFIX_SETS, TOPS
from shopmind.synth.words import (
    ADJECTIVES_EN,
    ADJECTIVES_ZH,
    BENEFITS_EN,
    BENEFITS_ZH,
    BRANDS_EN,
    BRANDS_ZH,
    MODEL_LETTERS,
    VALUE_SETS,
)

CNY_PER_USD = 7.1
ZH_KEYS = {
    "color": "颜色",
    "storage": "存储",
    "screen": "屏幕",
    "connectivity": "连接方式",
    "resolution": "像素",
    "wattage": "功率",
    "material": "材质",
    "size": "尺寸",
    "capacity": "容量",
    "pack": "规格",
    "thickness": "厚度",
    "volume": "容量",
    "skin_type": "肤质",
    "scent": "香型",
    "roast": "烘焙度",
    "weight": "净含量",
    "flavor": "口味",
    "pieces": "片数",
    "age": "适用年龄",
    "voltage": "电压",
}
MAX_ATTRS = max(len(leaf.attrs) for leaf in LEAVES)
N_EN_BRANDS = len(BRANDS_EN[0])
N_ZH_BRANDS = len(BRANDS_ZH[0])
BRAND_NAMES: tuple[str, ...] = (
    *(b for top in BRANDS_EN for b in top),
    *(b for top in BRANDS_ZH for b in top),
)
BRAND_TOP = np.array(
    [t for t, top in enumerate(BRANDS_EN) for _ in top]
    + [t for t, top in enumerate(BRANDS_ZH) for _ in top],
    dtype=np.int16,
)
BRAND_LANG = np.array(
    [0] * (len(TOPS) * N_EN_BRANDS) + [1] * (len(TOPS) * N_ZH_BRANDS), dtype=np.int8
)


def _canonical(key: str) -> tuple[str, ...]:
    names = {en for leaf in LEAVES for k, s in leaf.attrs if k == key for en, _ in VALUE_SETS[s]}
    return tuple(sorted(names))


# Colours and materials are the attributes queries constrain on; codes index these tuples.
COLOR_NAMES = _canonical("color")
MATERIAL_NAMES = _canonical("material")


def brand_index(top: np.ndarray, lang: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Global brand index of the k-th brand of ``top`` in language ``lang`` (0 en, 1 zh)."""
    en = top * N_EN_BRANDS + np.minimum(k, N_EN_BRANDS - 1)
    zh = len(TOPS) * N_EN_BRANDS + top * N_ZH_BRANDS + np.minimum(k, N_ZH_BRANDS - 1)
    out: np.ndarray = np.where(lang == 1, zh, en).astype(np.int32)
    return out


@dataclass
class Catalog:
    """All products: (n,) arrays for the numbers, lists for the text.

    ``attr_idx`` is (n, MAX_ATTRS): per attribute slot of the item's leaf the index into its
    value set, -1 past the leaf's schema. ``color`` / ``material`` index ``COLOR_NAMES`` /
    ``MATERIAL_NAMES`` (-1: the leaf has none). ``lang`` is 0 for en, 1 for zh.
    ``price_usd`` is the price converted to USD, used wherever prices are compared.
    """

    item_ids: list[str]
    titles: list[str]
    descriptions: list[str]
    categories: list[str]
    attributes: list[str]
    leaf: np.ndarray
    top: np.ndarray
    brand: np.ndarray
    lang: np.ndarray
    attr_idx: np.ndarray
    color: np.ndarray
    material: np.ndarray
    price: np.ndarray
    price_usd: np.ndarray
    stock: np.ndarray
    popularity: np.ndarray

    def __len__(self) -> int:
        return len(self.item_ids)

    def table(self) -> pa.Table:
        """The products table in the canonical contract's schema."""
        zh = self.lang == 1
        return pa.table(
            {
                "item_id": self.item_ids,
                "title": self.titles,
                "description": self.descriptions,
                "brand": [BRAND_NAMES[b] for b in self.brand],
                "category": self.categories,
                "price": self.price,
                "currency": np.where(zh, "CNY", "USD").tolist(),
                "stock": self.stock.astype(np.int64),
                "attributes": self.attributes,
                "image_url": [f"https://img.example.com/{i}.jpg" for i in self.item_ids],
                "language": np.where(zh, "zh", "en").tolist(),
            },
            schema=PRODUCTS.arrow_schema(),
        )


def id_width(n: int, minimum: int) -> int:
    """Digits needed to zero-pad ids 0..n-1 to one width, at least ``minimum``."""
    return max(minimum, len(str(max(n - 1, 0))))


def build_catalog(config: SynthConfig) -> Catalog:
    """Draw the catalogue for ``config`` (deterministic in ``config.seed``)."""
    rng = stream(config.seed, "catalog")
    n = config.n_items
    lang = np.zeros(n, dtype=np.int8)
    lang[rng.permutation(n)[: round(n * config.zh_fraction)]] = 1

    # Every leaf gets an item before any leaf gets a second, interleaving tops first, so even a
    # tiny catalogue covers every top category.
    order = sorted(range(len(LEAVES)), key=lambda i: (LEAF_TOP[:i].count(LEAF_TOP[i]), i))
    leaf_weight = rng.gamma(4.0, size=len(LEAVES))
    extra = rng.choice(len(LEAVES), size=max(n - len(order), 0), p=leaf_weight / leaf_weight.sum())
    leaf = rng.permutation(np.concatenate([np.array(order[:n]), extra])).astype(np.int16)
    top = np.array(LEAF_TOP, dtype=np.int16)[leaf]

    # A few brands per category dominate, as in real shops.
    k = np.where(
        lang == 1,
        rng.choice(N_ZH_BRANDS, size=n, p=_rank_weights(N_ZH_BRANDS)),
        rng.choice(N_EN_BRANDS, size=n, p=_rank_weights(N_EN_BRANDS)),
    )
    brand = brand_index(top.astype(np.int32), lang, k)
    premium = rng.lognormal(0.0, 0.25, size=len(BRAND_NAMES))

    sizes = np.array(
        [
            [len(VALUE_SETS[s]) for _, s in leaf_.attrs] + [0] * (MAX_ATTRS - len(leaf_.attrs))
            for leaf_ in LEAVES
        ]
    )[leaf]
    raw = rng.integers(0, 1 << 30, size=(n, MAX_ATTRS))
    attr_idx = np.where(sizes > 0, raw % np.maximum(sizes, 1), -1)

    mu = np.log(np.array([lf.price for lf in LEAVES]))[leaf]
    sigma = np.array([lf.spread for lf in LEAVES])[leaf]
    usd = np.exp(mu + sigma * rng.standard_normal(n)) * premium[brand]
    # Shops price at x.99 in dollars and at ...9 whole yuan.
    usd = np.maximum(np.floor(usd), 1.0) - 0.01
    cny = np.maximum(np.floor(usd * CNY_PER_USD / 10.0) * 10.0 + 9.0, 9.0)
    price = np.round(np.where(lang == 1, cny, usd), 2)
    price_usd = np.where(lang == 1, price / CNY_PER_USD, price)
    stock = np.where(rng.random(n) < 0.08, 0, rng.negative_binomial(2, 0.05, size=n))
    popularity = zipf_weights(n, 1.05, rng)

    text_draws = rng.integers(0, 1 << 30, size=(n, 6))
    flags = rng.random((n, 4))
    width = id_width(n, 6)
    item_ids = [f"P{i:0{width}d}" for i in range(n)]
    titles, descriptions, categories, attributes = [], [], [], []
    for i in range(n):
        t, d, c, a = _text(
            int(leaf[i]), int(brand[i]), bool(lang[i]), attr_idx[i], text_draws[i], flags[i]
        )
        titles.append(t)
        descriptions.append(d)
        categories.append(c)
        attributes.append(a)
    color, material = _codes(leaf, attr_idx)
    return Catalog(
        item_ids,
        titles,
        descriptions,
        categories,
        attributes,
        leaf,
        top,
        brand,
        lang,
        attr_idx,
        color,
        material,
        price,
        price_usd,
        stock.astype(np.int64),
        popularity,
    )


def _rank_weights(n: int) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** 0.8
    out: np.ndarray = w / w.sum()
    return out


def attr_values(leaf: int, attr_idx: np.ndarray, zh: bool) -> list[tuple[str, str, str]]:
    """(key, value set name, value in the item's language) for each attribute of an item."""
    spec = LEAVES[leaf].attrs
    return [
        (key, set_name, VALUE_SETS[set_name][int(attr_idx[j])][1 if zh else 0])
        for j, (key, set_name) in enumerate(spec)
    ]


def _codes(leaf: np.ndarray, attr_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    color = np.full(len(leaf), -1, dtype=np.int16)
    material = np.full(len(leaf), -1, dtype=np.int16)
    for li, lf in enumerate(LEAVES):
        rows = np.flatnonzero(leaf == li)
        for j, (key, set_name) in enumerate(lf.attrs):
            names, target = (
                (COLOR_NAMES, color)
                if key == "color"
                else (MATERIAL_NAMES, material)
                if key == "material"
                else ((), None)
            )
            if target is None:
                continue
            lookup = np.array([names.index(en) for en, _ in VALUE_SETS[set_name]], dtype=np.int16)
            target[rows] = lookup[attr_idx[rows, j]]
    return color, material


def _cap(value: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in value.split(" "))


def _text(
    leaf: int, brand: int, zh: bool, attr_idx: np.ndarray, draws: np.ndarray, flags: np.ndarray
) -> tuple[str, str, str, str]:
    lf = LEAVES[leaf]
    top = LEAF_TOP[leaf]
    values = attr_values(leaf, attr_idx, zh)
    words = lf.words_zh if zh else lf.words
    word = words[int(draws[0]) % len(words)]
    adjs = ADJECTIVES_ZH if zh else ADJECTIVES_EN
    adj = adjs[int(draws[1]) % len(adjs)] if flags[0] < 0.5 else ""
    model = f"{MODEL_LETTERS[int(draws[2]) % len(MODEL_LETTERS)]}-{(int(draws[3]) % 98 + 1) * 10}"
    color = next((v for k, _, v in values if k == "color"), "")
    color = color if flags[1] < 0.85 else ""
    suffix = next((v for _, s, v in values if s in SIZE_SUFFIX_SETS), "")
    others = [v for k, s, v in values if k != "color" and s not in SIZE_SUFFIX_SETS]
    other = others[int(draws[4]) % len(others)] if others and flags[2] < 0.5 else ""
    if not suffix and flags[3] < 0.4:
        suffix = model
    brand_name = BRAND_NAMES[brand]
    attrs = json.dumps(
        {k: v for k, _, v in values}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    benefit = (BENEFITS_ZH if zh else BENEFITS_EN)[top]
    closing = benefit[int(draws[5]) % len(benefit)]
    if zh:
        title = " ".join(p for p in (brand_name, adj + word, color, other, suffix) if p)
        feats = "，".join(f"{ZH_KEYS.get(k, k)}：{v}" for k, _, v in values)
        desc = f"{brand_name}{word}，{feats}。{closing}"
    else:
        # Sizes such as "1/2 in." keep their case; the other title words are capitalised.
        head = " ".join(_cap(p) for p in (brand_name, adj, color, other, word) if p)
        title = f"{head} {suffix}" if suffix else head
        feats = ", ".join(f"{k.replace('_', ' ')} {v}" for k, _, v in values).rstrip(".")
        named = " ".join(p for p in (brand_name, adj, word.lower()) if p)
        desc = f"The {named} with {feats}. {closing}"
    return title, desc, lf.category(zh), attrs
