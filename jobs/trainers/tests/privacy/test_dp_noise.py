"""Noise mechanisms: Laplace scale, analytic Gaussian calibration, guard clauses."""

from __future__ import annotations

import itertools
import math
from typing import Any, cast

import numpy as np
import pytest
from scipy.stats import norm

from shopmind.errors import InvalidArgument
from shopmind.privacy.dp import (
    gaussian_noise,
    gaussian_sigma,
    laplace_noise,
    laplace_scale,
)


def test_laplace_noise_has_scale_sensitivity_over_epsilon() -> None:
    draws = laplace_noise(200_000, sensitivity=2.0, epsilon=0.5, rng=np.random.default_rng(7))
    scale = 4.0
    # mean |X| of Laplace(0, b) is b; its standard error here is b / sqrt(n) ~ 0.2 % of b
    assert np.mean(np.abs(draws)) == pytest.approx(scale, rel=0.02)
    assert abs(np.mean(draws)) < 0.05 * scale
    assert laplace_scale(2.0, 0.5) == scale


def test_laplace_noise_shape_and_seed() -> None:
    a = laplace_noise((3, 4), 1.0, 1.0, np.random.default_rng(3))
    b = laplace_noise((3, 4), 1.0, 1.0, np.random.default_rng(3))
    assert a.shape == (3, 4) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert laplace_noise(0, 1.0, 1.0, np.random.default_rng(0)).shape == (0,)


def _privacy_loss(sigma: float, sensitivity: float, epsilon: float) -> float:
    """Balle & Wang (2018) Theorem 8, written plainly (fine for moderate epsilon)."""
    a = sensitivity / (2 * sigma) - epsilon * sigma / sensitivity
    b = -sensitivity / (2 * sigma) - epsilon * sigma / sensitivity
    return float(norm.cdf(a) - math.exp(epsilon) * norm.cdf(b))


@pytest.mark.parametrize("epsilon", [0.05, 0.5, 1.0, 3.0, 8.0])
@pytest.mark.parametrize("delta", [1e-3, 1e-6])
def test_gaussian_sigma_is_the_tight_calibration(epsilon: float, delta: float) -> None:
    sigma = gaussian_sigma(1.0, epsilon, delta)
    assert sigma > 0
    assert _privacy_loss(sigma, 1.0, epsilon) <= delta * (1 + 1e-6)
    # a slightly smaller sigma no longer gives (epsilon, delta)-DP: the calibration is tight
    assert _privacy_loss(sigma * 0.99, 1.0, epsilon) > delta


def test_gaussian_sigma_decreases_with_epsilon_and_beats_the_classic_bound() -> None:
    epsilons = [0.01, 0.1, 0.5, 0.9, 1.0, 2.0, 10.0, 100.0]
    sigmas = [gaussian_sigma(1.0, e, 1e-5) for e in epsilons]
    assert all(s > 0 for s in sigmas)
    assert all(a > b for a, b in itertools.pairwise(sigmas))
    for e, s in zip(epsilons, sigmas, strict=True):
        if e < 1:
            assert s < math.sqrt(2 * math.log(1.25 / 1e-5)) / e
    # the analytic value for epsilon = 1, delta = 1e-5 (Balle & Wang 2018)
    assert sigmas[4] == pytest.approx(3.7306, abs=1e-3)


def test_gaussian_sigma_scales_with_sensitivity_and_falls_with_delta() -> None:
    assert gaussian_sigma(3.0, 0.7, 1e-5) == pytest.approx(3 * gaussian_sigma(1.0, 0.7, 1e-5))
    assert gaussian_sigma(1.0, 0.7, 1e-3) < gaussian_sigma(1.0, 0.7, 1e-8)


def test_gaussian_noise_has_standard_deviation_sigma() -> None:
    sigma = gaussian_sigma(1.0, 1.0, 1e-5)
    draws = gaussian_noise(100_000, 1.0, 1.0, 1e-5, np.random.default_rng(11))
    assert np.std(draws) == pytest.approx(sigma, rel=0.02)


def _argument(exc: pytest.ExceptionInfo[InvalidArgument]) -> object:
    return exc.value.details.get("argument")


@pytest.mark.parametrize("epsilon", [0, -1.0, math.inf, math.nan, "1", True, None])
def test_epsilon_guard(epsilon: Any) -> None:
    with pytest.raises(InvalidArgument, match="epsilon must be") as exc:
        laplace_noise(1, 1.0, epsilon, np.random.default_rng(0))
    assert _argument(exc) == "epsilon"
    with pytest.raises(InvalidArgument) as exc:
        gaussian_sigma(1.0, epsilon, 1e-5)
    assert _argument(exc) == "epsilon"


@pytest.mark.parametrize("delta", [0, 0.0, 1, 1.5, -1e-9, math.nan])
def test_delta_guard(delta: float) -> None:
    with pytest.raises(InvalidArgument, match=r"delta must be in \(0, 1\)") as exc:
        gaussian_noise(1, 1.0, 1.0, delta, np.random.default_rng(0))
    assert _argument(exc) == "delta"


@pytest.mark.parametrize("sensitivity", [0, -2.0, math.inf])
def test_sensitivity_guard(sensitivity: float) -> None:
    with pytest.raises(InvalidArgument, match="sensitivity must be a finite number > 0") as exc:
        laplace_noise(1, sensitivity, 1.0, np.random.default_rng(0))
    assert _argument(exc) == "sensitivity"
    with pytest.raises(InvalidArgument) as exc:
        gaussian_sigma(sensitivity, 1.0, 1e-5)
    assert _argument(exc) == "sensitivity"


def test_rng_and_shape_guards() -> None:
    with pytest.raises(InvalidArgument, match=r"numpy\.random\.Generator") as exc:
        laplace_noise(1, 1.0, 1.0, cast(Any, 42))
    assert _argument(exc) == "rng"
    with pytest.raises(InvalidArgument) as exc:
        laplace_noise(-1, 1.0, 1.0, np.random.default_rng(0))
    assert _argument(exc) == "shape"
