"""The privacy budget accountant: composition, refusal, durability, locking."""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopmind.errors import (
    BudgetExhausted,
    InvalidArgument,
    NotFound,
    ShopmindError,
    WorkspaceError,
)
from shopmind.privacy.budget import LEDGER, PrivacyBudget

TOL = 1e-9


def test_budget_exhausted_error() -> None:
    assert issubclass(BudgetExhausted, ShopmindError)
    assert BudgetExhausted.status == 403
    assert BudgetExhausted.code == "privacy_budget_exhausted"


def test_spends_add_up_and_the_exact_remainder_can_be_spent(tmp_path: Path) -> None:
    budget = PrivacyBudget(tmp_path, total_epsilon=1.0, total_delta=1e-6)
    for _ in range(10):
        budget.spend("events", 0.1, 1e-7, "test", "alice")
    eps, dlt = budget.spent("events")
    assert eps == pytest.approx(1.0) and dlt == pytest.approx(1e-6)
    assert budget.remaining("events") == pytest.approx((0.0, 0.0), abs=1e-12)
    assert budget.remaining("other") == (1.0, 1e-6)
    before = budget.path.read_bytes()
    with pytest.raises(BudgetExhausted) as exc:
        budget.spend("events", 1e-3, 0.0, "one more", "alice")
    assert exc.value.details["dataset"] == "events"
    assert budget.path.read_bytes() == before
    # budgets are per dataset
    budget.spend("other", 1.0, 0.0, "test", "bob")


def test_delta_budget_is_enforced_separately(tmp_path: Path) -> None:
    budget = PrivacyBudget(tmp_path, total_epsilon=10.0, total_delta=0.0)
    with pytest.raises(BudgetExhausted):
        budget.spend("events", 0.1, 1e-9, "gaussian release", "alice")
    assert budget.spent("events") == (0.0, 0.0)
    assert not budget.path.exists() or budget.path.read_bytes() == b""


def test_ledger_is_json_lines_in_the_workspace_folder(tmp_path: Path) -> None:
    budget = PrivacyBudget(tmp_path, 2.0)
    first = budget.spend("events", 0.5, 0.0, "popularity", "alice")
    budget.spend("events", 0.25, 0.0, "categories", "bob")
    assert budget.path == tmp_path / "privacy" / "budget.jsonl" == tmp_path / LEDGER
    lines = budget.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    row = json.loads(lines[0])
    assert row == first.to_dict()
    assert set(row) == {"dataset", "epsilon", "delta", "purpose", "who", "when"}
    assert [s.who for s in PrivacyBudget(tmp_path, 2.0).spends("events")] == ["alice", "bob"]


def test_torn_last_line_is_ignored_and_cut_off(tmp_path: Path) -> None:
    budget = PrivacyBudget(tmp_path, 1.0)
    budget.spend("events", 0.5, 0.0, "ok", "alice")
    with budget.path.open("ab") as fh:
        fh.write(b'{"dataset": "events", "epsilon": 0.4')  # a crash mid-append
    assert budget.spent("events") == (0.5, 0.0)
    budget.spend("events", 0.5, 0.0, "rest", "alice")
    assert len(budget.path.read_text(encoding="utf-8").splitlines()) == 2
    assert budget.spent("events") == (1.0, 0.0)


def test_corrupt_complete_line_is_an_error_not_a_skip(tmp_path: Path) -> None:
    budget = PrivacyBudget(tmp_path, 1.0)
    budget.spend("events", 0.5, 0.0, "ok", "alice")
    with budget.path.open("ab") as fh:
        fh.write(b"not json\n")
    with pytest.raises(WorkspaceError, match="corrupt at line 2"):
        budget.spent("events")
    with pytest.raises(WorkspaceError):
        budget.spend("events", 0.1, 0.0, "more", "alice")


def test_concurrent_spenders_never_overspend(tmp_path: Path) -> None:
    # flock locks belong to open file descriptions, so threads that each open the ledger
    # contend exactly as separate processes would
    accepted: list[int] = []
    refused: list[int] = []

    def worker() -> None:
        budget = PrivacyBudget(tmp_path, total_epsilon=1.0)
        for _ in range(8):
            try:
                budget.spend("events", 0.125, 0.0, "race", threading.current_thread().name)
                accepted.append(1)
            except BudgetExhausted:
                refused.append(1)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(accepted) == 8 and len(refused) == 16
    assert PrivacyBudget(tmp_path, 1.0).spent("events") == (1.0, 0.0)


spend_st = st.tuples(
    st.sampled_from(["events", "clicks"]),
    st.floats(min_value=0.01, max_value=1.5),
    st.one_of(st.just(0.0), st.floats(min_value=1e-9, max_value=5e-6)),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    total_epsilon=st.floats(min_value=0.1, max_value=3.0),
    total_delta=st.one_of(st.just(0.0), st.floats(min_value=1e-8, max_value=1e-5)),
    attempts=st.lists(spend_st, max_size=10),
)
def test_any_sequence_of_spends_stays_within_budget(
    total_epsilon: float, total_delta: float, attempts: list[tuple[str, float, float]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        budget = PrivacyBudget(root, total_epsilon, total_delta)
        recorded: dict[str, list[tuple[float, float]]] = {"events": [], "clicks": []}
        for dataset, eps, dlt in attempts:
            before_bytes = budget.path.read_bytes() if budget.path.exists() else b""
            before = budget.spent(dataset)
            try:
                budget.spend(dataset, eps, dlt, "property", "hypothesis")
            except BudgetExhausted:
                # refused: nothing recorded, and it really would have overspent
                assert (budget.path.read_bytes() if budget.path.exists() else b"") == before_bytes
                assert budget.spent(dataset) == before
                assert before[0] + eps > total_epsilon * (1 + TOL) or before[
                    1
                ] + dlt > total_delta * (1 + TOL)
            else:
                recorded[dataset].append((eps, dlt))
            spent_eps, spent_dlt = budget.spent(dataset)
            assert spent_eps <= total_epsilon * (1 + TOL)
            assert spent_dlt <= total_delta * (1 + TOL)
        reopened = PrivacyBudget(root, total_epsilon, total_delta)
        for dataset, spends in recorded.items():
            assert reopened.spent(dataset) == budget.spent(dataset)
            assert reopened.spent(dataset) == pytest.approx(
                (sum(e for e, _ in spends), sum(d for _, d in spends)), abs=1e-12
            )
            assert [(s.epsilon, s.delta) for s in reopened.spends(dataset)] == spends


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"total_epsilon": 0.0}, "total_epsilon"),
        ({"total_epsilon": float("inf")}, "total_epsilon"),
        ({"total_epsilon": 1.0, "total_delta": 1.0}, "total_delta"),
        ({"total_epsilon": 1.0, "total_delta": -1e-9}, "total_delta"),
    ],
)
def test_budget_guards(tmp_path: Path, kwargs: dict[str, float], argument: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        PrivacyBudget(tmp_path, **kwargs)
    assert exc.value.details["argument"] == argument


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (("", 0.1, 0.0, "p", "w"), "dataset"),
        (("events", 0.0, 0.0, "p", "w"), "epsilon"),
        (("events", 0.1, -0.5, "p", "w"), "delta"),
        (("events", 0.1, 0.0, "", "w"), "purpose"),
        (("events", 0.1, 0.0, "p", " "), "who"),
    ],
)
def test_spend_guards(
    tmp_path: Path, args: tuple[str, float, float, str, str], argument: str
) -> None:
    budget = PrivacyBudget(tmp_path, 1.0)
    with pytest.raises(InvalidArgument) as exc:
        budget.spend(*args)
    assert exc.value.details["argument"] == argument
    assert not budget.path.exists()


def test_missing_root_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        PrivacyBudget(tmp_path / "nope", 1.0)
