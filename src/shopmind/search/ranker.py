"""The learned ranker: LambdaMART (LightGBM) over features of (query, product) pairs.

It reorders the hybrid retriever's candidates. Features (one row per candidate):

    bm25            BM25F score of the product for the query
    bm25_rel        bm25 / the best bm25 among the query's candidates (0..1)
    cosine          cosine between the query and product vectors
    cosine_rel      cosine - the best cosine among the query's candidates (<= 0)
    coverage        share of the query's terms found in the product's indexed text
    title_terms     number of terms in the product title
    query_terms     number of terms in the query
    hybrid_rank     1-based rank of the product in the hybrid list (0 when not listed)

Hyper-parameters live in one frozen :class:`RankerParams`; the trained model is saved as
LightGBM's own text format (no pickle).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shopmind.errors import InvalidArgument
from shopmind.search.analyze import Analyzer

FEATURES = (
    "bm25",
    "bm25_rel",
    "cosine",
    "cosine_rel",
    "coverage",
    "title_terms",
    "query_terms",
    "hybrid_rank",
)


@dataclass(frozen=True)
class RankerParams:
    """LambdaMART settings (passed whole, recorded with the model)."""

    n_estimators: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_estimators < 1 or self.num_leaves < 2 or self.learning_rate <= 0:
            raise InvalidArgument("RankerParams out of range", argument="params")


def pair_features(
    query: str,
    rows: npt.NDArray[np.int64],
    bm25: npt.NDArray[np.float32],
    cosine: npt.NDArray[np.float32],
    title_tokens: Sequence[frozenset[str]],
    hybrid_rank: dict[int, int],
    analyzer: Analyzer,
) -> npt.NDArray[np.float32]:
    """(len(rows), len(FEATURES)) features of ``rows`` for ``query``; bm25 and cosine are the
    full score vectors of the query over the catalog."""
    q_terms = set(analyzer.tokens(query))
    b = np.where(np.isfinite(bm25[rows]), bm25[rows], 0.0)
    c = cosine[rows]
    best_b = float(b.max()) if len(b) and b.max() > 0 else 1.0
    best_c = float(c.max()) if len(c) else 0.0
    out = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)
    out[:, 0] = b
    out[:, 1] = b / best_b
    out[:, 2] = c
    out[:, 3] = c - best_c
    for i, row in enumerate(rows.tolist()):
        terms = title_tokens[row]
        out[i, 4] = len(q_terms & terms) / len(q_terms) if q_terms else 0.0
        out[i, 5] = len(terms)
        out[i, 7] = hybrid_rank.get(row, 0)
    out[:, 6] = len(q_terms)
    return out


class Ranker:
    """LambdaMART over :data:`FEATURES`; ``score`` gives higher = better."""

    def __init__(self, params: RankerParams | None = None) -> None:
        self.params = params or RankerParams()
        self.booster: object | None = None

    def fit(
        self, x: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], groups: Sequence[int]
    ) -> Ranker:
        """``x``: (n, F) features; ``labels``: (n,) graded relevance 0..4; ``groups``: rows per
        query, in order."""
        import lightgbm as lgb

        if x.shape[0] != labels.shape[0] or sum(groups) != x.shape[0]:
            raise InvalidArgument("features, labels and groups disagree in size", argument="groups")
        model = lgb.LGBMRanker(
            objective="lambdarank",
            verbose=-1,
            n_estimators=self.params.n_estimators,
            learning_rate=self.params.learning_rate,
            num_leaves=self.params.num_leaves,
            min_child_samples=self.params.min_child_samples,
            random_state=self.params.seed,
            n_jobs=2,
        )
        model.fit(x, labels, group=list(groups))
        self.booster = model.booster_
        return self

    def score(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        if self.booster is None:
            raise InvalidArgument("the ranker is not trained", argument="ranker")
        return np.asarray(self.booster.predict(x), dtype=np.float32)  # type: ignore[attr-defined]

    def contributions(self, x: npt.NDArray[np.float32]) -> list[dict[str, float]]:
        """Per row, each feature's additive contribution to the score (SHAP values)."""
        if self.booster is None:
            raise InvalidArgument("the ranker is not trained", argument="ranker")
        contrib = self.booster.predict(x, pred_contrib=True)  # type: ignore[attr-defined]
        return [
            {name: round(float(v), 4) for name, v in zip((*FEATURES, "bias"), row, strict=True)}
            for row in contrib
        ]

    def save(self, folder: Path) -> None:
        if self.booster is None:
            raise InvalidArgument("the ranker is not trained", argument="ranker")
        self.booster.save_model(str(folder / "ranker.txt"))  # type: ignore[attr-defined]
        (folder / "ranker.json").write_text(
            __import__("json").dumps({"features": FEATURES, "params": asdict(self.params)}),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, folder: Path) -> Ranker:
        import json

        import lightgbm as lgb

        meta = json.loads((folder / "ranker.json").read_text(encoding="utf-8"))
        if tuple(meta["features"]) != FEATURES:
            raise InvalidArgument(
                f"{folder}: ranker was trained on other features", argument="ranker"
            )
        ranker = cls(RankerParams(**meta["params"]))
        ranker.booster = lgb.Booster(model_file=str(folder / "ranker.txt"))
        return ranker
