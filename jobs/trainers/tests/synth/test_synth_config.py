"""SynthConfig guards its arguments and offers presets."""

from __future__ import annotations

import pytest

from shopmind.errors import InvalidArgument
from shopmind.synth import SynthConfig, generate_shop


@pytest.mark.parametrize(
    ("kwargs", "argument", "expect"),
    [
        ({"n_items": 3}, "n_items", "n_items must be >= 10, got 3"),
        ({"n_users": 0}, "n_users", "n_users must be >= 1, got 0"),
        ({"n_events": -5}, "n_events", "n_events must be >= 1"),
        ({"n_queries": 1.5}, "n_queries", "n_queries must be an integer"),
        ({"days": 0}, "days", "days must be >= 1"),
        ({"seed": True}, "seed", "seed must be an integer"),
        ({"zh_fraction": 1.2}, "zh_fraction", "zh_fraction must be in [0, 1.0]"),
        ({"malformed_fraction": -0.1}, "malformed_fraction", "malformed_fraction must be in"),
        ({"start": "2026-02-30"}, "start", "start must be an ISO date"),
        ({"n_items": 10, "n_queries": 41}, "n_queries", "n_queries must be <= 4 * n_items"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_expectation(
    kwargs: dict[str, object], argument: str, expect: str
) -> None:
    with pytest.raises(InvalidArgument) as err:
        SynthConfig(**kwargs)  # type: ignore[arg-type]
    assert err.value.details["argument"] == argument
    assert expect in err.value.message


def test_presets_have_the_documented_sizes() -> None:
    demo = SynthConfig.demo()
    assert (demo.n_items, demo.n_users, demo.n_events) == (2_000, 1_000, 100_000)
    tiny = SynthConfig.tiny(seed=4, n_events=500)
    assert tiny.seed == 4 and tiny.n_events == 500 and tiny.n_items < demo.n_items
    assert SynthConfig(n_events=10_000_000).n_events == 10_000_000  # scale via constructor


def test_in_memory_generation_refuses_huge_shops() -> None:
    with pytest.raises(InvalidArgument) as err:
        generate_shop(SynthConfig(n_events=50_000_000))
    assert err.value.details["argument"] == "n_events"
