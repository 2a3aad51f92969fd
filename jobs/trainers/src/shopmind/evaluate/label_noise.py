"""How much of a judgement file a text-only ranker can learn: label noise and a pair_acc ceiling.

Graded judgements are means of a few raters, who saw more than a product's text (pictures,
descriptions, the page). Two products with the same text judged for the same query ("twins")
are indistinguishable to any system that reads only that text, so the spread of their labels
measures what such a system can never explain: rater disagreement plus everything the text
leaves out.

The model (stated so it can be argued with): within a query, a product's label is
``t + e``, where ``t`` is what its text determines, ``t`` varies across the query's products
with variance ``s2`` and ``e`` is independent noise of variance ``n2``, both roughly normal.
Then

- ``n2`` = half the mean squared label difference of twin pairs (their ``t`` is equal);
- ``s2 + n2`` = half the mean squared label difference of all within-query pairs;
- a perfect text-only system orders a pair by ``t``; for an observed difference ``d`` it is
  right with probability ``Phi(|d| * s / (n * sqrt(2 * (s2 + n2))))`` (the posterior of the
  true difference given the observed one), and 0.5 for twins (a tie); ``pair_acc_ceiling``
  averages that over the pairs ``pair_acc`` counts (``|d| >= min_diff``), with their real,
  discrete differences, per query and then over queries, as ``pair_acc`` itself averages.

The interval comes from resampling whole queries (a seeded bootstrap). Twins are found by
exact text after case folding and collapsing spaces: near-identical texts are left out, which
keeps the noise estimate from counting real differences as noise.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from shopmind.errors import InvalidArgument
from shopmind.evaluate.search_metrics import _EPS, MIN_PAIR_DIFF, ItemId


@dataclass(frozen=True)
class NoiseReport:
    """Label noise of a judgement set and the pair_acc a perfect text-only system could reach.

    Variances are in squared relevance units (1..3 for Home Depot). Ceiling fields are None
    when the set has no twin pair, so the noise cannot be measured."""

    queries: int  # queries with at least two judged products that have text
    pairs: int  # within-query pairs whose labels differ by >= min_diff (pair_acc counts these)
    twin_pairs: int  # within-query pairs of products with the same text
    twins_differing: float | None  # share of twin pairs whose labels differ by >= min_diff
    label_variance: float  # within-query variance of the labels (s2 + n2)
    noise_variance: float | None  # n2, from the twins
    signal_share: float | None  # s2 / (s2 + n2): the part of the label variance text can explain
    pair_acc_ceiling: float | None
    ceiling_low: float | None  # 5th percentile over resampled queries
    ceiling_high: float | None  # 95th percentile
    min_diff: float
    resamples: int

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class _Pairs:
    """Every within-query pair, flattened: its query's index, |label difference|, twin flag."""

    query: npt.NDArray[np.int64]
    diff: npt.NDArray[np.float64]
    twin: npt.NDArray[np.bool_]


def _pairs(
    judgements: Mapping[str, Mapping[ItemId, float]], texts: Mapping[ItemId, str | None]
) -> tuple[_Pairs, int]:
    owner, diffs, twins = [], [], []
    n_queries = 0
    for judged in judgements.values():
        known = [
            (float(rel), _normalise(str(texts[item])))
            for item, rel in judged.items()
            if texts.get(item)
        ]
        if len(known) < 2:
            continue
        for (ra, ta), (rb, tb) in itertools.combinations(known, 2):
            owner.append(n_queries)
            diffs.append(abs(ra - rb))
            twins.append(ta == tb)
        n_queries += 1
    pairs = _Pairs(np.array(owner, np.int64), np.array(diffs), np.array(twins, bool))
    return pairs, n_queries


def _ceiling(
    pairs: _Pairs, weight: npt.NDArray[np.float64], min_diff: float
) -> tuple[float, float, float | None]:
    """(label variance, noise variance, ceiling) with each query counted ``weight`` times."""
    w = weight[pairs.query]
    sq = pairs.diff**2
    label = float((w * sq).sum() / (2 * w.sum()))
    tw = w * pairs.twin
    if tw.sum() == 0:
        return label, float("nan"), None
    noise = float((tw * sq).sum() / (2 * tw.sum()))
    signal = max(label - noise, 0.0)
    counted = pairs.diff >= min_diff - _EPS
    # twins that always agree (noise 0) make every other difference certain: z grows huge
    spread = np.sqrt(max(noise, 1e-12)) * np.sqrt(2 * (signal + noise))
    z = pairs.diff * np.sqrt(signal) / spread
    right = np.where(pairs.twin, 0.5, ndtr(z))  # no text-only system can order twins
    # a mean over queries of each query's mean over its counted pairs, as pair_acc averages
    n_q = weight.shape[0]
    per_pair = np.bincount(pairs.query[counted], minlength=n_q).astype(np.float64)
    per_right = np.bincount(pairs.query[counted], right[counted], minlength=n_q)
    has = (per_pair > 0) & (weight > 0)
    if not has.any():
        return label, noise, None
    return (
        label,
        noise,
        float((weight[has] * per_right[has] / per_pair[has]).sum() / weight[has].sum()),
    )


def judgement_noise(
    judgements: Mapping[str, Mapping[ItemId, float]],
    texts: Mapping[ItemId, str | None],
    min_diff: float = MIN_PAIR_DIFF,
    resamples: int = 200,
    seed: int = 0,
) -> NoiseReport:
    """Noise report of ``{query: {item: relevance}}`` for products with ``texts[item]``.

    Products without text are skipped; ``resamples`` bootstrap draws over queries give the
    interval (0: no interval)."""
    if resamples < 0:
        raise InvalidArgument(f"resamples must be >= 0, got {resamples}", argument="resamples")
    if min_diff <= 0:
        raise InvalidArgument(f"min_diff must be > 0, got {min_diff}", argument="min_diff")
    pairs, n_queries = _pairs(judgements, texts)
    if n_queries == 0:
        raise InvalidArgument(
            "no query has two judged products with text: nothing to measure", argument="judgements"
        )
    label, noise, ceiling = _ceiling(pairs, np.ones(n_queries), min_diff)
    low = high = None
    if ceiling is not None and resamples:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(resamples):
            weight = np.bincount(rng.integers(0, n_queries, n_queries), minlength=n_queries)
            found = _ceiling(pairs, weight.astype(np.float64), min_diff)[2]
            if found is not None:
                draws.append(found)
        if draws:
            low, high = (float(v) for v in np.percentile(draws, [5, 95]))
    twins = pairs.diff[pairs.twin]
    measured = twins.size > 0  # the noise is known even when no pair differs enough to count
    return NoiseReport(
        queries=n_queries,
        pairs=int((pairs.diff >= min_diff - _EPS).sum()),
        twin_pairs=int(twins.size),
        twins_differing=float((twins >= min_diff - _EPS).mean()) if twins.size else None,
        label_variance=label,
        noise_variance=noise if measured else None,
        signal_share=max(label - noise, 0.0) / label if measured and label > 0 else None,
        pair_acc_ceiling=ceiling,
        ceiling_low=low,
        ceiling_high=high,
        min_diff=min_diff,
        resamples=resamples,
    )
