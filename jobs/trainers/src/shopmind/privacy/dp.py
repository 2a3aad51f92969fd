"""Noise for differential privacy: Laplace (epsilon-DP) and Gaussian ((epsilon, delta)-DP).

Both add zero-mean noise to a numeric query whose *sensitivity* (how much one person can move
the answer) is known:

* **Laplace**: noise ``Laplace(0, b)`` with ``b = sensitivity / epsilon`` where sensitivity is
  the L1 sensitivity; gives epsilon-DP (Dwork, McSherry, Nissim & Smith 2006).
* **Gaussian**: noise ``N(0, sigma^2)`` where sensitivity is the L2 sensitivity and ``sigma`` is
  the smallest value that gives (epsilon, delta)-DP by the exact condition of Balle & Wang
  (2018), "Improving the Gaussian Mechanism for Differential Privacy: Analytical Calibration
  and Optimal Denoising", ICML, Theorem 8. Unlike the classic bound
  ``sqrt(2 ln(1.25/delta)) * sensitivity / epsilon`` it holds for every epsilon > 0, not only
  epsilon < 1, and gives a smaller sigma.

Randomness comes only from the ``numpy.random.Generator`` the caller passes. In production pass
one seeded from the operating system (``numpy.random.default_rng()``) and never record its seed:
anyone who knows the seed can subtract the noise.

Known limit: the noise is drawn as IEEE doubles, whose uneven spacing leaks a little in theory
(Mironov 2012, "On significance of the least significant bits for differential privacy").
Rounding the released counts (as :mod:`shopmind.privacy.aggregates` does) removes most of it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import log_ndtr

from shopmind.errors import InvalidArgument
from shopmind.privacy._checks import check_delta, check_epsilon, check_rng, check_sensitivity

Shape = int | tuple[int, ...]

# log(sigma) is searched in steps of 1 (a factor e); 200 steps span sigma from 1e-87 to 1e87
# around sensitivity/epsilon, far beyond any calibrated value.
_MAX_BRACKET_STEPS = 200


def _check_shape(shape: object) -> Shape:
    dims = (shape,) if isinstance(shape, int | np.integer) else shape
    if not isinstance(dims, tuple) or any(
        isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 0 for d in dims
    ):
        raise InvalidArgument(
            f"shape must be an integer >= 0 or a tuple of them, got {shape!r}", argument="shape"
        )
    return tuple(int(d) for d in dims)


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """The Laplace scale ``b = sensitivity / epsilon`` that makes a query epsilon-DP.

    ``sensitivity`` is the query's L1 sensitivity (in the query's units, e.g. counts); the
    noise's mean absolute deviation is ``b`` and its standard deviation ``b * sqrt(2)``.
    """
    return check_sensitivity(sensitivity) / check_epsilon(epsilon)


def laplace_noise(
    shape: Shape, sensitivity: float, epsilon: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Laplace noise for an epsilon-DP release of a query with L1 ``sensitivity``.

    Returns float64 noise of ``shape`` (e.g. ``(n_items,)``), each entry ``Laplace(0, b)``
    with ``b = sensitivity / epsilon``, drawn from ``rng``. Add it to the exact answer.
    Raises InvalidArgument naming ``sensitivity``, ``epsilon``, ``shape`` or ``rng``.
    """
    dims = _check_shape(shape)
    scale = laplace_scale(sensitivity, epsilon)
    return check_rng(rng).laplace(0.0, scale, size=dims)


def _gaussian_privacy_loss(sigma: float, sensitivity: float, epsilon: float) -> float:
    """The smallest delta for which N(0, sigma^2) noise is (epsilon, delta)-DP.

    Balle & Wang (2018), Theorem 8: the mechanism is (epsilon, delta)-DP if and only if
    ``Phi(D/(2s) - e*s/D) - exp(e) * Phi(-D/(2s) - e*s/D) <= delta`` with D the L2 sensitivity,
    s = sigma and Phi the standard normal CDF. The left side falls as sigma grows.
    """
    ratio = epsilon * sigma / sensitivity
    half = sensitivity / (2.0 * sigma)
    log_a = float(log_ndtr(half - ratio))
    log_b = float(log_ndtr(-half - ratio))
    # Both terms can be tiny and nearly equal, and exp(epsilon) can overflow on its own:
    # Phi(a) - e^eps Phi(b) = Phi(a) * (1 - exp(eps + log Phi(b) - log Phi(a))) stays exact.
    loss = math.exp(log_a) * -math.expm1(min(0.0, epsilon + log_b - log_a))
    return max(0.0, loss)


def gaussian_sigma(sensitivity: float, epsilon: float, delta: float) -> float:
    """The smallest noise standard deviation that makes a query (epsilon, delta)-DP.

    ``sensitivity`` is the query's L2 sensitivity; the result is in the same units. Solves the
    exact condition of Balle & Wang (2018, Theorem 8) for sigma with Brent's method on
    log(sigma), then nudges the root up until the condition holds (so rounding never weakens
    the guarantee). Valid for every epsilon > 0 and 0 < delta < 1.
    """
    sens = check_sensitivity(sensitivity)
    eps = check_epsilon(epsilon)
    dlt = check_delta(delta)

    def excess(log_sigma: float) -> float:
        return _gaussian_privacy_loss(math.exp(log_sigma), sens, eps) - dlt

    start = math.log(sens / eps)
    low, high = start, start
    for _ in range(_MAX_BRACKET_STEPS):
        if excess(high) <= 0:
            break
        high += 1.0
    for _ in range(_MAX_BRACKET_STEPS):
        if excess(low) > 0:
            break
        low -= 1.0
    if excess(high) > 0 or excess(low) <= 0:
        raise InvalidArgument(
            f"no Gaussian noise level found for sensitivity={sens}, epsilon={eps}, delta={dlt}",
            argument="epsilon",
        )
    root = float(brentq(excess, low, high, xtol=1e-12, rtol=1e-14, maxiter=500))
    sigma = math.exp(root)
    for _ in range(1000):
        if _gaussian_privacy_loss(sigma, sens, eps) <= dlt:
            break
        sigma *= 1.0 + 1e-12
    return sigma


def gaussian_noise(
    shape: Shape,
    sensitivity: float,
    epsilon: float,
    delta: float,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Gaussian noise for an (epsilon, delta)-DP release of a query with L2 ``sensitivity``.

    Returns float64 noise of ``shape``, each entry ``N(0, sigma^2)`` with ``sigma`` from
    :func:`gaussian_sigma`, drawn from ``rng``. Raises InvalidArgument naming the argument.
    """
    dims = _check_shape(shape)
    sigma = gaussian_sigma(sensitivity, epsilon, delta)
    return check_rng(rng).normal(0.0, sigma, size=dims)
