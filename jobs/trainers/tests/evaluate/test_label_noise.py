"""Label noise and the pair_acc ceiling, checked against a simulated perfect text-only ranker."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.errors import InvalidArgument
from shopmind.evaluate import pair_accuracy
from shopmind.evaluate.label_noise import judgement_noise

SIGNAL_SD, NOISE_SD = 0.3, 0.35


def _simulated(
    queries: int, seed: int = 0
) -> tuple[dict[str, dict[str, float]], dict[str, str], dict[str, dict[str, float]]]:
    """Judgements ``t + e`` where products of one text share ``t``; also each product's ``t``."""
    rng = np.random.default_rng(seed)
    judgements: dict[str, dict[str, float]] = {}
    truth: dict[str, dict[str, float]] = {}
    texts: dict[str, str] = {}
    for q in range(queries):
        judged, true = {}, {}
        for p in range(5):
            t = float(rng.normal(2.0, SIGNAL_SD))
            copies = 2 if p == 0 else 1  # every query has one pair of twins
            for c in range(copies):
                item = f"q{q}p{p}c{c}"
                texts[item] = f"product {q}-{p}" if c == 0 else f"  PRODUCT {q}-{p} "
                true[item] = t
                judged[item] = t + float(rng.normal(0.0, NOISE_SD))
        judgements[f"query {q}"], truth[f"query {q}"] = judged, true
    return judgements, texts, truth


@pytest.fixture(scope="module")
def simulated() -> tuple[dict[str, dict[str, float]], dict[str, str], dict[str, dict[str, float]]]:
    return _simulated(3000)


def test_noise_and_signal_are_recovered(simulated) -> None:
    judgements, texts, _ = simulated
    report = judgement_noise(judgements, texts, resamples=0)
    assert report.queries == 3000
    assert report.twin_pairs == 3000  # texts differing only in case and spaces are twins
    assert report.noise_variance == pytest.approx(NOISE_SD**2, rel=0.1)
    share = SIGNAL_SD**2 / (SIGNAL_SD**2 + NOISE_SD**2)
    assert report.signal_share == pytest.approx(share, abs=0.05)
    assert report.ceiling_low is None and report.ceiling_high is None


def test_ceiling_matches_a_perfect_text_ranker(simulated) -> None:
    judgements, texts, truth = simulated
    report = judgement_noise(judgements, texts, resamples=50)
    # the ranker that knows each text's true value, scored as pair_acc scores any system
    accs = [pair_accuracy(truth[q], judgements[q]) for q in judgements]
    perfect = float(np.mean([a for a in accs if a is not None]))
    assert report.pair_acc_ceiling == pytest.approx(perfect, abs=0.015)
    assert report.ceiling_low < report.pair_acc_ceiling < report.ceiling_high
    # and it is well below 1: the noise is as large as the signal
    assert report.pair_acc_ceiling < 0.8


def test_the_interval_is_seeded(simulated) -> None:
    judgements, texts, _ = simulated
    small = {q: judgements[q] for q in list(judgements)[:300]}
    a = judgement_noise(small, texts, resamples=20, seed=3)
    assert a == judgement_noise(small, texts, resamples=20, seed=3)
    assert a.ceiling_low != judgement_noise(small, texts, resamples=20, seed=4).ceiling_low


def test_without_twins_the_ceiling_is_unknown() -> None:
    judgements = {"drill": {"a": 3.0, "b": 1.0, "c": 2.0}}
    report = judgement_noise(judgements, {"a": "drill", "b": "saw", "c": "bit"})
    assert report.twin_pairs == 0 and report.pairs == 3
    assert report.pair_acc_ceiling is None and report.noise_variance is None
    assert report.label_variance == pytest.approx((4 + 1 + 1) / 3 / 2)


def test_twins_that_always_agree_leave_no_noise() -> None:
    judgements = {"drill": {"a": 3.0, "a2": 3.0, "b": 1.0}, "saw": {"c": 2.0, "d": 1.0}}
    texts = {"a": "Drill", "a2": "drill", "b": "bit", "c": "saw", "d": "blade"}
    report = judgement_noise(judgements, texts, resamples=10)
    assert report.noise_variance == 0.0 and report.twins_differing == 0.0
    assert report.pair_acc_ceiling == 1.0


def test_products_without_text_are_skipped() -> None:
    judgements = {"drill": {"a": 3.0, "b": 1.0}, "saw": {"c": 2.0, "d": 1.0}}
    report = judgement_noise(judgements, {"a": "x", "b": "x", "c": "saw"}, resamples=0)
    assert report.queries == 1 and report.twin_pairs == 1
    with pytest.raises(InvalidArgument, match="two judged products"):
        judgement_noise(judgements, {"a": "x", "c": None})


@pytest.mark.parametrize(
    ("kwargs", "argument"), [({"resamples": -1}, "resamples"), ({"min_diff": 0.0}, "min_diff")]
)
def test_bad_arguments_name_themselves(kwargs: dict[str, float], argument: str) -> None:
    with pytest.raises(InvalidArgument, match=argument):
        judgement_noise({"q": {"a": 1.0, "b": 2.0}}, {"a": "a", "b": "b"}, **kwargs)  # type: ignore[arg-type]


def test_noise_without_a_counted_pair() -> None:
    # the twins disagree a little (0.2), nothing differs by 0.3: noise known, no ceiling
    judgements = {"drill": {"a": 2.0, "a2": 2.2, "b": 2.1}}
    report = judgement_noise(judgements, {"a": "drill", "a2": "drill", "b": "saw"}, resamples=5)
    assert report.pairs == 0 and report.pair_acc_ceiling is None
    assert report.noise_variance == pytest.approx(0.2**2 / 2)
