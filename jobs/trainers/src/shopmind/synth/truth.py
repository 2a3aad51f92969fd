"""What the synthetic shop knows that its data only hints at: tastes, categories, constraints.

Tests of models check their output against this: a recommender should rank a user's
preferred categories first, a search engine should put relevance-3 products on top.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopmind.errors import NotFound
from shopmind.synth.catalog import BRAND_NAMES, COLOR_NAMES, MATERIAL_NAMES, Catalog
from shopmind.synth.config import SynthConfig
from shopmind.synth.queries import QuerySet, QuerySpec
from shopmind.synth.users import Users
from shopmind.synth.vocab import LEAF_TOP, LEAVES, TOP_NAMES

_LEAF_NAMES = [leaf.category() for leaf in LEAVES]


@dataclass
class GroundTruth:
    """Hidden state of a synthetic shop.

    ``taste`` is (n_users, n_tops) over ``tops``; ``favourite_brand`` is (n_users, n_tops),
    indices into ``brands``. ``item_leaf`` indexes ``leaves`` (English paths, whatever the
    listing's language). Colours and materials are canonical English names. Arrays are shared
    with the generators, not copied: treat them as read-only.
    """

    config: dict[str, object]
    tops: list[str]
    leaves: list[str]
    brands: list[str]
    user_ids: list[str]
    user_language: list[str]
    taste: np.ndarray
    favourite_brand: np.ndarray
    price_sensitivity: np.ndarray
    item_ids: list[str]
    item_leaf: np.ndarray
    item_brand: list[str]
    item_color: list[str | None]
    item_material: list[str | None]
    item_language: list[str]
    item_price: np.ndarray
    item_popularity: np.ndarray
    queries: list[QuerySpec]
    malformed: dict[str, object] = field(default_factory=dict)

    # Lookups are built on first use: writing a million-user shop never needs them.
    @cached_property
    def _users(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.user_ids)}

    @cached_property
    def _items(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.item_ids)}

    @cached_property
    def _queries(self) -> dict[str, QuerySpec]:
        return {q.text: q for q in self.queries}

    @classmethod
    def from_world(
        cls, config: SynthConfig, catalog: Catalog, users: Users, queries: QuerySet
    ) -> GroundTruth:
        """Collect the truth from the generators' state."""
        return cls(
            config=asdict(config),
            tops=list(TOP_NAMES),
            leaves=list(_LEAF_NAMES),
            brands=list(BRAND_NAMES),
            user_ids=users.user_ids,
            user_language=["zh" if x else "en" for x in users.lang.tolist()],
            taste=users.taste,
            favourite_brand=users.fav_brand,
            price_sensitivity=users.price_sensitivity,
            item_ids=list(catalog.item_ids),
            item_leaf=catalog.leaf.astype(np.int64),
            item_brand=[BRAND_NAMES[b] for b in catalog.brand.tolist()],
            item_color=[COLOR_NAMES[c] if c >= 0 else None for c in catalog.color.tolist()],
            item_material=[
                MATERIAL_NAMES[m] if m >= 0 else None for m in catalog.material.tolist()
            ],
            item_language=["zh" if x else "en" for x in catalog.lang.tolist()],
            item_price=catalog.price,
            item_popularity=catalog.popularity,
            queries=list(queries.specs),
        )

    def user_index(self, user_id: str) -> int:
        """Row of ``user_id`` in the user arrays."""
        if user_id not in self._users:
            raise NotFound(f"user {user_id!r} is not in this synthetic shop", user_id=user_id)
        return self._users[user_id]

    def item_index(self, item_id: str) -> int:
        """Row of ``item_id`` in the item arrays."""
        if item_id not in self._items:
            raise NotFound(f"item {item_id!r} is not in this synthetic shop", item_id=item_id)
        return self._items[item_id]

    def preferred_category(self, user_id: str) -> str:
        """The top-level category the user likes most."""
        return self.tops[int(np.argmax(self.taste[self.user_index(user_id)]))]

    def preferred_categories(self, user_id: str, k: int = 3) -> list[str]:
        """The user's ``k`` most liked top-level categories, most liked first."""
        row = self.taste[self.user_index(user_id)]
        return [self.tops[i] for i in np.argsort(-row, kind="stable")[:k]]

    def favourite_brand_of(self, user_id: str, top: str) -> str:
        """The brand the user leans to within top-level category ``top``."""
        return self.brands[
            int(self.favourite_brand[self.user_index(user_id), self.tops.index(top)])
        ]

    def category_of(self, item_id: str) -> str:
        """The item's leaf category as an English path ("Home > Kitchen > Cookware")."""
        return self.leaves[int(self.item_leaf[self.item_index(item_id)])]

    def top_category_of(self, item_id: str) -> str:
        """The item's top-level category in English."""
        return self.tops[LEAF_TOP[int(self.item_leaf[self.item_index(item_id)])]]

    def query(self, text: str) -> QuerySpec:
        """The constraints behind a query text."""
        if text not in self._queries:
            raise NotFound(f"query {text!r} is not in this synthetic shop", query=text)
        return self._queries[text]

    def misses(self, text: str, item_id: str) -> int:
        """How many of the query's brand/colour/material/price constraints the item misses."""
        q, i = self.query(text), self.item_index(item_id)
        return int(
            sum(
                (
                    q.brand is not None and self.item_brand[i] != q.brand,
                    q.color is not None and self.item_color[i] != q.color,
                    q.material is not None and self.item_material[i] != q.material,
                    q.max_price is not None and float(self.item_price[i]) > q.max_price,
                )
            )
        )

    def relevance(self, text: str, item_id: str) -> int:
        """Graded relevance by the rule the judgements follow (0..3)."""
        q, i = self.query(text), self.item_index(item_id)
        if self.item_language[i] != q.language:
            return 0
        leaf = int(self.item_leaf[i])
        if leaf == q.leaf:
            return {0: 3, 1: 2}.get(self.misses(text, item_id), 1)
        return 1 if LEAF_TOP[leaf] == LEAF_TOP[q.leaf] else 0

    def satisfies(self, text: str, item_id: str) -> bool:
        """True when the item meets every constraint of the query (relevance 3)."""
        return self.relevance(text, item_id) == 3

    def save(self, folder: Path) -> list[Path]:
        """Write meta.json, users.parquet, items.parquet, queries.json and malformed.json."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "config": self.config,
            "tops": self.tops,
            "leaves": self.leaves,
            "brands": self.brands,
        }
        paths = [
            folder / n
            for n in (
                "meta.json",
                "users.parquet",
                "items.parquet",
                "queries.json",
                "malformed.json",
            )
        ]
        paths[0].write_text(
            json.dumps(meta, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8"
        )
        n_tops = len(self.tops)
        brands = pa.array(self.brands, pa.string()).take(pa.array(self.favourite_brand.ravel()))
        pq.write_table(
            pa.table(
                {
                    "user_id": self.user_ids,
                    "language": self.user_language,
                    "preferred_category": pa.array(self.tops).take(
                        pa.array(np.argmax(self.taste, axis=1))
                    ),
                    "taste": pa.FixedSizeListArray.from_arrays(
                        pa.array(self.taste.ravel()), n_tops
                    ),
                    "favourite_brands": pa.FixedSizeListArray.from_arrays(brands, n_tops),
                    "price_sensitivity": self.price_sensitivity,
                }
            ),
            paths[1],
        )
        pq.write_table(
            pa.table(
                {
                    "item_id": self.item_ids,
                    "leaf": self.item_leaf,
                    "category": [self.leaves[int(i)] for i in self.item_leaf],
                    "brand": self.item_brand,
                    "color": pa.array(self.item_color, pa.string()),
                    "material": pa.array(self.item_material, pa.string()),
                    "language": self.item_language,
                    "price": self.item_price,
                    "popularity": self.item_popularity,
                }
            ),
            paths[2],
        )
        paths[3].write_text(
            json.dumps([q.to_dict() for q in self.queries], indent=1, ensure_ascii=False),
            encoding="utf-8",
        )
        paths[4].write_text(json.dumps(self.malformed, sort_keys=True), encoding="utf-8")
        return paths

    @classmethod
    def load(cls, folder: Path) -> GroundTruth:
        """Read back what :meth:`save` wrote."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        user_table = pq.read_table(folder / "users.parquet")
        users = user_table.select(["user_id", "language", "price_sensitivity"]).to_pydict()
        items = pq.read_table(folder / "items.parquet").to_pydict()
        n_tops = len(meta["tops"])
        taste = user_table["taste"].combine_chunks().flatten().to_numpy()
        favs = pc.index_in(
            user_table["favourite_brands"].combine_chunks().flatten(),
            value_set=pa.array(meta["brands"], pa.string()),
        )
        specs = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
        bad = folder / "malformed.json"
        malformed = json.loads(bad.read_text(encoding="utf-8")) if bad.exists() else {}
        return cls(
            config=meta["config"],
            tops=meta["tops"],
            leaves=meta["leaves"],
            brands=meta["brands"],
            user_ids=users["user_id"],
            user_language=users["language"],
            taste=taste.reshape(-1, n_tops),
            favourite_brand=favs.to_numpy(zero_copy_only=False).reshape(-1, n_tops),
            price_sensitivity=np.array(users["price_sensitivity"], dtype=np.float64),
            item_ids=items["item_id"],
            item_leaf=np.array(items["leaf"], dtype=np.int64),
            item_brand=items["brand"],
            item_color=items["color"],
            item_material=items["material"],
            item_language=items["language"],
            item_price=np.array(items["price"], dtype=np.float64),
            item_popularity=np.array(items["popularity"], dtype=np.float64),
            queries=[QuerySpec(**s) for s in specs],
            malformed=malformed,
        )
