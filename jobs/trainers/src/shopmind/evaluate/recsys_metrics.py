"""Leave-one-out, full-ranking metrics for recommenders.

Each user's last interaction is the test target and the events before it are the input; the
model ranks ALL items, the user's earlier items excluded (as in the S3-Rec evaluation code: a
target the user already had counts as a miss). Users with fewer than 3 interactions have no
training event left and are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from shopmind.recommend.data import History, Interactions

COLD_BELOW = 5  # a target with fewer training interactions than this is "cold"
EVAL_BATCH = 1024

Scorer = Callable[[Sequence[History]], np.ndarray]  # histories -> (B, n_items) scores


@dataclass(frozen=True)
class Cases:
    """Test cases: the input histories, their targets, and which targets are cold."""

    histories: list[History]
    targets: np.ndarray  # (n,) int64 item indices
    cold: np.ndarray  # (n,) bool


def leave_one_out_cases(data: Interactions, drop_last: int = 0) -> Cases:
    """Targets = each user's last event after dropping ``drop_last``; inputs = the events before.

    ``drop_last=0`` gives test cases, ``drop_last=1`` the validation cases.
    """
    part = data.truncated(drop_last) if drop_last else data
    fit_part = part.truncated(1)
    counts = fit_part.item_counts()
    lengths = part.lengths()
    users = np.flatnonzero(lengths >= 3 - drop_last)
    targets = part.items[part.offsets[users + 1] - 1]
    return Cases(
        [fit_part.history(int(u)) for u in users],
        targets.astype(np.int64),
        counts[targets] < COLD_BELOW,
    )


def ranks(score: Scorer, cases: Cases, batch: int = EVAL_BATCH) -> tuple[np.ndarray, np.ndarray]:
    """0-based rank of each target (``-1`` when excluded or unscorable) and each case's top 10
    (``-1`` where the model scored fewer than 10 items)."""
    n = len(cases.targets)
    out = np.empty(n, np.int64)
    tops: list[np.ndarray] = []
    for a in range(0, n, batch):
        hs = cases.histories[a : a + batch]
        s = score(hs)
        for r, h in enumerate(hs):
            s[r, h.items] = -np.inf
        tgt = cases.targets[a : a + batch]
        t_score = s[np.arange(len(hs)), tgt]
        rank = (s > t_score[:, None]).sum(axis=1)
        out[a : a + len(hs)] = np.where(np.isfinite(t_score), rank, -1)
        width = min(10, s.shape[1])
        top = np.argpartition(-s, width - 1, axis=1)[:, :width]
        # an item the model gave no score is not a recommendation (coverage counts real ones)
        tops.append(np.where(np.isfinite(np.take_along_axis(s, top, axis=1)), top, -1))
    return out, np.concatenate(tops) if tops else np.zeros((0, 10), np.int64)


def metrics(rank: np.ndarray, tops: np.ndarray, cold: np.ndarray, n_items: int) -> dict[str, float]:
    """HR/NDCG at 10 and 20, catalog coverage of the top 10s, NDCG@10 over the cold targets."""

    def ndcg(cut: int, sel: np.ndarray) -> float:
        r = rank[sel]
        if r.size == 0:
            return 0.0
        hit = (r >= 0) & (r < cut)
        return float(np.where(hit, 1.0 / np.log2(np.maximum(r, 0) + 2.0), 0.0).mean())

    everyone = np.ones(rank.shape[0], bool)
    return {
        "hr@10": float(((rank >= 0) & (rank < 10)).mean()) if rank.size else 0.0,
        "ndcg@10": ndcg(10, everyone),
        "hr@20": float(((rank >= 0) & (rank < 20)).mean()) if rank.size else 0.0,
        "ndcg@20": ndcg(20, everyone),
        "coverage@10": float(np.setdiff1d(np.unique(tops), [-1]).size / n_items),
        "cold_ndcg@10": ndcg(10, cold),
        "cold_cases": float(cold.sum()),
    }


def evaluate(score: Scorer, cases: Cases, n_items: int) -> dict[str, float]:
    """All metrics of :func:`metrics` for one scorer over ``cases``."""
    rank, tops = ranks(score, cases)
    return metrics(rank, tops, cases.cold, n_items)
