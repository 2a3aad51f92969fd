"""EASE's inverse by Cholesky equals the general inverse, and refuses a singular Gram."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.recommend.data import History, Interactions
from shopmind.recommend.ease import spd_inverse


def test_spd_inverse_matches_the_general_inverse() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((300, 120))
    gram = x.T @ x + 5.0 * np.eye(120)
    got = spd_inverse(gram.copy())
    assert np.allclose(got, np.linalg.inv(gram), atol=1e-10)
    assert np.allclose(got, got.T, atol=1e-12)


def test_spd_inverse_refuses_a_singular_matrix() -> None:
    with pytest.raises(
        InvalidArgument, match=r"not positive definite|cannot be inverted|ill-conditioned"
    ):
        spd_inverse(np.zeros((4, 4)))


def test_one_history_scores_as_the_batch_path(shop: Interactions) -> None:
    from shopmind.recommend.ease import Ease, EaseParams

    model = Ease(EaseParams(l2=10.0)).fit(shop)
    histories = [shop.history(u) for u in range(12)] + [History.of([])]
    batch = model.scores(histories)
    for r, h in enumerate(histories):
        np.testing.assert_allclose(model.scores([h])[0], batch[r], rtol=1e-5, atol=1e-6)
