"""The learned ranker: LambdaMART (LightGBM) over ranking features of (query, product) pairs.

It reorders the fused retriever's candidates; the features are those of
:mod:`shopmind.search.features`. Hyper-parameters live in one frozen :class:`RankerParams`;
the trained model is saved in LightGBM's own text format (no pickle), next to the feature
names it was trained on, so a model from another feature set is refused at load.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shopmind.errors import InvalidArgument
from shopmind.forest import Forest
from shopmind.search.features import FEATURES


@dataclass(frozen=True)
class RankerParams:
    """LambdaMART settings (passed whole, recorded with the model)."""

    n_estimators: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 20
    seed: int = 0
    # training threads; LightGBM's OpenMP workers spin while they wait, so more threads than
    # idle cores (another job running) slows training by orders of magnitude, not a little
    threads: int = 1

    def __post_init__(self) -> None:
        if (
            self.n_estimators < 1
            or self.num_leaves < 2
            or self.learning_rate <= 0
            or self.threads < 1
        ):
            raise InvalidArgument("RankerParams out of range", argument="params")


class Ranker:
    """LambdaMART over :data:`FEATURES`; ``score`` gives higher = better."""

    def __init__(self, params: RankerParams | None = None) -> None:
        self.params = params or RankerParams()
        self.forest: Forest | None = None  # the trees (LightGBM's booster inside)

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
            n_jobs=self.params.threads,
        )
        model.fit(x, labels, group=list(groups))
        self.forest = Forest(model.booster_)
        return self

    def score(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        if self.forest is None:
            raise InvalidArgument("the ranker is not trained", argument="ranker")
        return self.forest.predict(x).astype(np.float32)

    def compile(self, cache_dir: Path | None = None) -> bool:
        """Compile the trees for faster scoring (shopmind/forest.py); False when not possible."""
        return self.forest is not None and self.forest.compile(cache_dir)

    def contributions(self, x: npt.NDArray[np.float32]) -> list[dict[str, float]]:
        """Per row, each feature's additive contribution to the score (SHAP values)."""
        if self.forest is None:
            raise InvalidArgument("the ranker is not trained", argument="ranker")
        contrib = self.forest.booster.predict(x, pred_contrib=True, num_threads=1)
        return [
            {name: round(float(v), 4) for name, v in zip((*FEATURES, "bias"), row, strict=True)}
            for row in contrib
        ]

    def describe(self) -> dict[str, object]:
        """The parameters and feature names, as recorded with a saved model."""
        return {"features": list(FEATURES), "params": asdict(self.params)}

    def uses(self, feature: str) -> bool:
        """Whether any tree of the trained model splits on ``feature``."""
        if self.forest is None:
            raise InvalidArgument("the ranker is not trained", argument="ranker")
        gains = self.forest.booster.feature_importance("split")
        return bool(gains[FEATURES.index(feature)] > 0)

    def save(self, folder: Path) -> None:
        if self.forest is None:
            raise InvalidArgument("the ranker is not trained", argument="ranker")
        self.forest.booster.save_model(str(folder / "ranker.txt"))
        (folder / "ranker.json").write_text(
            json.dumps(self.describe()),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, folder: Path) -> Ranker:
        import lightgbm as lgb

        meta = json.loads((folder / "ranker.json").read_text(encoding="utf-8"))
        if tuple(meta["features"]) != FEATURES:
            raise InvalidArgument(
                f"{folder}: ranker was trained on other features", argument="ranker"
            )
        ranker = cls(RankerParams(**meta["params"]))
        ranker.forest = Forest(lgb.Booster(model_file=str(folder / "ranker.txt")))
        return ranker
