"""The privacy budget accountant: how much epsilon and delta each dataset has spent.

Every differentially private release about a dataset spends part of one budget
``(total_epsilon, total_delta)``; by basic sequential composition the epsilons of all releases
add up, and so do the deltas. Once the sum would pass the total, further releases are refused
with :class:`~shopmind.errors.BudgetExhausted`.

Spends are kept in ``WORKSPACE/privacy/budget.jsonl``, outside the assets on purpose: assets
are immutable versions that erasure or garbage collection may rewrite, while the ledger must
only ever grow. It is append-only JSON lines, one spend a line::

    {"dataset": "events", "delta": 0.0, "epsilon": 0.5, "purpose": "dp_item_popularity ...",
     "when": "2025-01-31T09:00:00+00:00", "who": "analyst"}

(one line in the file, wrapped here).

Each spend reads the ledger, checks the budget and appends its line under one exclusive
``flock`` on the file, then flushes and fsyncs before returning, so two processes can never
both spend the last of a budget, and an acknowledged spend survives a crash. A line torn by a
crash mid-append was never acknowledged (nothing was released for it); readers skip it and
the next spend cuts it off.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from shopmind.errors import BudgetExhausted, NotFound, WorkspaceError
from shopmind.privacy._checks import check_delta, check_epsilon, check_text
from shopmind.workspace.files import fsync_dir

LEDGER = Path("privacy") / "budget.jsonl"

# Spending exactly what is left must succeed although float sums round (0.1 + 0.2 > 0.3);
# the slack is relative, so it can never add up to a meaningful overspend.
_REL_TOL = 1e-9


@dataclass(frozen=True)
class Spend:
    """One recorded spend: ``epsilon`` and ``delta`` taken from ``dataset``'s budget."""

    dataset: str
    epsilon: float
    delta: float
    purpose: str
    who: str
    when: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written to the ledger."""
        return {
            "dataset": self.dataset,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "purpose": self.purpose,
            "who": self.who,
            "when": self.when.isoformat(),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Spend:
        """Parse one ledger line; raises KeyError, TypeError or ValueError when malformed."""
        return cls(
            dataset=str(raw["dataset"]),
            epsilon=float(raw["epsilon"]),
            delta=float(raw["delta"]),
            purpose=str(raw["purpose"]),
            who=str(raw["who"]),
            when=datetime.fromisoformat(str(raw["when"])),
        )


def _within(total: float, used: float) -> bool:
    return used <= total + _REL_TOL * total


class PrivacyBudget:
    """Per-dataset (epsilon, delta) budgets over the ledger in ``root``/privacy/budget.jsonl.

    ``root`` is a workspace folder (``ws.root``). ``total_epsilon`` (> 0) and ``total_delta``
    (in [0, 1); 0 allows only pure epsilon-DP releases) are the budget of every dataset; they
    are the caller's policy, not stored in the ledger.
    """

    def __init__(self, root: Path | str, total_epsilon: float, total_delta: float = 0.0) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise NotFound(f"no workspace folder at {self.root}", path=str(self.root))
        self.total_epsilon = check_epsilon(total_epsilon, "total_epsilon")
        self.total_delta = check_delta(total_delta, "total_delta", allow_zero=True)

    @property
    def path(self) -> Path:
        """The ledger file (it may not exist yet: nothing spent)."""
        return self.root / LEDGER

    # ---- reading -------------------------------------------------------------------------
    def spends(self, dataset: str | None = None) -> list[Spend]:
        """Every recorded spend (of ``dataset`` if given), oldest first."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
            try:
                records, _ = self._parse(fh.read())
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return [s for s in records if dataset is None or s.dataset == dataset]

    def spent(self, dataset: str) -> tuple[float, float]:
        """(epsilon, delta) already spent on ``dataset``."""
        return _totals(self.spends(check_text(dataset, "dataset")))

    def remaining(self, dataset: str) -> tuple[float, float]:
        """(epsilon, delta) still available to ``dataset``; never negative."""
        eps, dlt = self.spent(dataset)
        return max(0.0, self.total_epsilon - eps), max(0.0, self.total_delta - dlt)

    # ---- spending ------------------------------------------------------------------------
    def spend(self, dataset: str, epsilon: float, delta: float, purpose: str, who: str) -> Spend:
        """Record a spend of ``epsilon`` (> 0) and ``delta`` (in [0, 1)) on ``dataset``.

        Call it *before* computing the release, and release nothing when it raises. Raises
        BudgetExhausted (nothing recorded) when the dataset's spends plus this one would pass
        ``total_epsilon`` or ``total_delta``; InvalidArgument naming a bad argument.
        """
        check_text(dataset, "dataset")
        eps = check_epsilon(epsilon)
        dlt = check_delta(delta, allow_zero=True)
        check_text(purpose, "purpose")
        check_text(who, "who")
        record = Spend(dataset, eps, dlt, purpose, who, datetime.now(UTC))
        with self._locked() as fh:
            data = fh.read()
            records, good = self._parse(data)
            mine = [s for s in records if s.dataset == dataset]
            used_eps, used_dlt = _totals(mine)
            new_eps, new_dlt = _totals([*mine, record])
            if not (_within(self.total_epsilon, new_eps) and _within(self.total_delta, new_dlt)):
                raise BudgetExhausted(
                    f"privacy budget of {dataset!r} is exhausted: asked for epsilon={eps:g}, "
                    f"delta={dlt:g}; spent epsilon={used_eps:g} of {self.total_epsilon:g}, "
                    f"delta={used_dlt:g} of {self.total_delta:g}",
                    dataset=dataset,
                    requested_epsilon=eps,
                    requested_delta=dlt,
                    spent_epsilon=used_eps,
                    spent_delta=used_dlt,
                    total_epsilon=self.total_epsilon,
                    total_delta=self.total_delta,
                )
            if good < len(data):
                # a torn line from a crashed spend that was never acknowledged: drop it so
                # this line starts on a line of its own
                os.ftruncate(fh.fileno(), good)
            line = json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False) + "\n"
            fh.seek(0, os.SEEK_END)
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        return record

    # ---- internals -----------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[IO[bytes]]:
        folder = self.path.parent
        created = not folder.exists()
        folder.mkdir(exist_ok=True)
        new_file = not self.path.exists()
        with self.path.open("a+b") as fh:
            if created or new_file:
                # the file's directory entry must be durable too, or a crash can lose the
                # whole ledger right after its first spend was acknowledged
                fsync_dir(folder)
                if created:
                    fsync_dir(self.root)
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                fh.seek(0)
                yield fh
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _parse(self, data: bytes) -> tuple[list[Spend], int]:
        """The spends in ``data`` and the length of its complete lines (the rest is torn)."""
        good = data.rfind(b"\n") + 1
        records = []
        for number, raw in enumerate(data[:good].splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                records.append(Spend.from_dict(json.loads(raw)))
            except (ValueError, KeyError, TypeError) as exc:
                # never guess: a skipped spend would let the budget be spent twice
                raise WorkspaceError(
                    f"privacy budget ledger {self.path} is corrupt at line {number}: {exc}",
                    path=str(self.path),
                    line=number,
                ) from exc
        return records, good


def _totals(spends: list[Spend]) -> tuple[float, float]:
    return math.fsum(s.epsilon for s in spends), math.fsum(s.delta for s in spends)
