"""Compiled tree models: the same scores as LightGBM, a cache keyed by the model."""

from __future__ import annotations

import logging
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from shopmind.forest import Forest


@pytest.fixture(scope="module")
def boosters() -> tuple[lgb.Booster, lgb.Booster]:
    """Two small rankers trained on different labels (missing values included)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5))
    x[rng.random(x.shape) < 0.1] = np.nan
    groups = [20] * 20
    out = []
    for column in (0, 1):
        labels = (np.nan_to_num(x[:, column]) > 0).astype(int) + (np.nan_to_num(x[:, 2]) > 1)
        data = lgb.Dataset(x, labels, group=groups)
        params = {"objective": "lambdarank", "num_leaves": 7, "verbose": -1, "num_threads": 1}
        out.append(lgb.train(params, data, num_boost_round=15))
    return out[0], out[1]


def _rows() -> np.ndarray:
    rows = np.random.default_rng(1).normal(size=(50, 5))
    rows[::7, 3] = np.nan
    return rows


def test_compiled_scores_equal_lightgbm(boosters: tuple[lgb.Booster, lgb.Booster]) -> None:
    forest = Forest(boosters[0])
    rows = _rows()
    before = forest.predict(rows)
    assert not forest.compiled
    assert forest.compile()
    assert forest.compiled
    after = forest.predict(rows)
    np.testing.assert_allclose(after, boosters[0].predict(rows, raw_score=True), atol=1e-9)
    np.testing.assert_allclose(after, before, atol=1e-9)
    assert forest.compile()  # a second call is a no-op


def test_cache_is_keyed_by_the_model(
    boosters: tuple[lgb.Booster, lgb.Booster], tmp_path: Path
) -> None:
    rows = _rows()
    first = Forest(boosters[0])
    assert first.compile(tmp_path)
    assert len(list(tmp_path.glob("*.o"))) == 1
    again = Forest(boosters[0])  # another process, same model: loads the cached object
    assert again.compile(tmp_path)
    assert len(list(tmp_path.glob("*.o"))) == 1
    np.testing.assert_allclose(again.predict(rows), first.predict(rows), atol=1e-12)
    other = Forest(boosters[1])  # another model never gets the first one's code
    assert other.compile(tmp_path)
    assert len(list(tmp_path.glob("*.o"))) == 2
    np.testing.assert_allclose(
        other.predict(rows), boosters[1].predict(rows, raw_score=True), atol=1e-9
    )


def test_damaged_cache_is_rebuilt(
    boosters: tuple[lgb.Booster, lgb.Booster], tmp_path: Path
) -> None:
    assert Forest(boosters[0]).compile(tmp_path)
    (cached,) = tmp_path.glob("*.o")
    cached.write_bytes(b"not an object file")
    forest = Forest(boosters[0])
    assert forest.compile(tmp_path)
    rows = _rows()
    np.testing.assert_allclose(
        forest.predict(rows), boosters[0].predict(rows, raw_score=True), atol=1e-9
    )


def test_without_a_compiler_lightgbm_predicts(
    boosters: tuple[lgb.Booster, lgb.Booster],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "lleaves", None)  # import fails
    forest = Forest(boosters[0])
    with caplog.at_level(logging.WARNING, logger="shopmind.forest"):
        assert not forest.compile()
    assert "lleaves is not installed" in caplog.text
    rows = _rows()
    np.testing.assert_allclose(forest.predict(rows), boosters[0].predict(rows, raw_score=True))
