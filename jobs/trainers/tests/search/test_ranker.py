from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.search.features import FEATURES
from shopmind.search.ranker import Ranker, RankerParams


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Queries of 10 candidates whose label follows feature 5 (coverage), plus noise."""
    rng = np.random.default_rng(seed)
    xs, ys, groups = [], [], []
    for _ in range(60):
        x = rng.random((10, len(FEATURES))).astype(np.float32)
        ys.extend(np.clip((x[:, 5] * 5).astype(int), 0, 4).tolist())
        xs.append(x)
        groups.append(10)
    return np.concatenate(xs), np.array(ys), groups


def test_ranker_learns_the_signal_and_round_trips(tmp_path: Path) -> None:
    x, y, groups = _data()
    ranker = Ranker(RankerParams(n_estimators=50, min_child_samples=5)).fit(x, y, groups)
    xt, yt, _ = _data(seed=1)
    scores = ranker.score(xt)
    assert np.corrcoef(scores, yt)[0, 1] > 0.8
    contrib = ranker.contributions(xt[:3])
    assert set(contrib[0]) == {*FEATURES, "bias"}
    assert sum(contrib[0].values()) == pytest.approx(float(scores[0]), abs=1e-3)
    ranker.save(tmp_path)
    loaded = Ranker.load(tmp_path)
    np.testing.assert_allclose(loaded.score(xt), scores, rtol=1e-6)
    assert loaded.compile(tmp_path / "cache")  # native trees: the same scores
    np.testing.assert_allclose(loaded.score(xt), scores, rtol=1e-6)


def test_untrained_and_mismatched_inputs_are_errors() -> None:
    with pytest.raises(InvalidArgument, match="not trained"):
        Ranker().score(np.zeros((1, len(FEATURES)), np.float32))
    x, y, _ = _data()
    with pytest.raises(InvalidArgument, match="disagree"):
        Ranker().fit(x, y, [5])
